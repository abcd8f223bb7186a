import { AccountUnavailableError, type AccessTokenProvider, type CitiClient, type CitiStatementRef } from '../citi/index.ts';
import { insertStatement, storedStatementIds } from './sql/statements.ts';
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
  const have = await storedStatementIds(db, connectionId, account.accountId);
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
    await insertStatement(db, connectionId, account.accountId, s);
    added += 1;
  }
  return added;
}
