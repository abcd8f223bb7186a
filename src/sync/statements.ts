import type { AccessTokenProvider } from '../citi/index.ts';
import { insertStatement, storedStatementIds } from './sql/statements.ts';
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
  const have = await storedStatementIds(db, connectionId, account.accountId);
  let added = 0;
  for await (const item of client.statements(tokens, account.accountId)) {
    if (have.has(item.statementId)) continue;
    // The statement's transactions are the account's own, already synced: the summary is what is new.
    const s = await client.statement(tokens, account.accountId, item.statementId, { transactions: false });
    await insertStatement(db, connectionId, account.accountId, s);
    added += 1;
  }
  return added;
}
