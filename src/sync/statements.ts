import { AccountUnavailableError, cleanJson, type AccessTokenProvider, type CitiClient, type CitiStatementRef } from '../citi/index.ts';
import type { StoredAccount } from './sql/accounts.ts';
import type { AccountResult, SyncDeps } from './types.ts';

/** Said on the account's run when the market answers 404 for statements: not a failure. */
export const STATEMENTS_NOT_OFFERED = 'statements not offered for this account (404): skipped';

/**
 * Card statements are immutable once issued: list them, fetch only the ones not stored yet. Only
 * markets that offer statements are asked (contract §5); a 404 on the listing means "not offered"
 * there, recorded once on the run, never a failed account.
 */
export async function syncStatements(
  deps: SyncDeps,
  client: CitiClient,
  connectionId: string,
  account: StoredAccount,
  tokens: AccessTokenProvider,
  result: AccountResult,
): Promise<number> {
  if (account.accountType !== 'creditCard' || !client.statementsOffered) return 0;
  const { db } = deps;
  const { rows } = await db.query<{ statement_id: string }>(
    `SELECT statement_id FROM citi_sync.statements WHERE connection_id = $1 AND account_id = $2`,
    [connectionId, account.accountId],
  );
  const have = new Set(rows.map((r) => r.statement_id));
  let refs: CitiStatementRef[] = [];
  try {
    for await (const item of client.statements(tokens, account.accountId)) refs.push(item);
  } catch (err) {
    if (!(err instanceof AccountUnavailableError && err.status === 404)) throw err;
    result.warnings = [...(result.warnings ?? []), STATEMENTS_NOT_OFFERED];
    deps.logger.info({ connectionId, accountId: account.accountId, path: err.path }, STATEMENTS_NOT_OFFERED);
    refs = [];
  }
  let added = 0;
  for (const item of refs) {
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
