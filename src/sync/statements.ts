import type { AccessTokenProvider } from '../citi/index.ts';
import { cleanJson } from '../citi/index.ts';
import type { StoredAccount } from './sql/accounts.ts';
import type { AccountResult, SyncDeps } from './types.ts';

/** Card statements are immutable once issued: list them, fetch only the ones not stored yet. */
export async function syncStatements(
  deps: SyncDeps,
  connectionId: string,
  account: StoredAccount,
  tokens: AccessTokenProvider,
  _result: AccountResult,
): Promise<number> {
  if (account.accountType !== 'creditCard') return 0;
  const { db, client } = deps;
  const { rows } = await db.query<{ statement_id: string }>(
    `SELECT statement_id FROM citi_sync.statements WHERE connection_id = $1 AND account_id = $2`,
    [connectionId, account.accountId],
  );
  const have = new Set(rows.map((r) => r.statement_id));
  let added = 0;
  for await (const item of client.statements(tokens, account.accountId)) {
    if (have.has(item.statementId)) continue;
    // The statement's transactions are the account's own, already synced: the summary is what is new.
    const s = await client.statement(tokens, account.accountId, item.statementId, { transactions: false });
    await db.query(
      `INSERT INTO citi_sync.statements (connection_id, account_id, statement_id, statement_date, beginning_balance,
         ending_balance, total_debits, total_credits, minimum_due, credit_limit, past_due, payment_due_date, raw, fetched_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
       ON CONFLICT (connection_id, account_id, statement_id) DO NOTHING`,
      [
        connectionId,
        account.accountId,
        s.statementId,
        s.statementDate,
        s.beginningBalance,
        s.endingBalance,
        s.totalDebits,
        s.totalCredits,
        s.minimumDue,
        s.creditLimit,
        s.pastDue,
        s.paymentDueDate,
        JSON.stringify(cleanJson(s.raw)),
      ],
    );
    added += 1;
  }
  return added;
}
