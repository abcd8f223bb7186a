import { AccountUnavailableError, type AccessTokenProvider, type CitiClient, type CitiStatementRef } from '../citi/index.ts';
import { insertStatement, markStatementsNotOffered, statementsNotOfferedAt, storedStatementIds } from './sql/statements.ts';
import type { StoredAccount } from './sql/accounts.ts';
import type { AccountResult, SyncDeps } from './types.ts';

/** Said on the account's run when the market answers 404 for statements: not a failure. */
export const STATEMENTS_NOT_OFFERED = 'statements not offered for this account (404): skipped';

/**
 * How long a card's "no statements" answer is believed: until then its syncs do not ask again (no
 * request, no warning); after it, one request checks whether the card offers statements now.
 */
export const STATEMENTS_RECHECK_MS = 30 * 86_400_000;

/** New statements fetched in one sync (two years of monthly statements); more wait for the next. */
export const MAX_STATEMENTS_PER_SYNC = 24;

/**
 * Card statements are immutable once issued: list them, fetch only the ones not stored yet. Only
 * markets that offer statements are asked (contract §5); a 404 on the listing means "not offered"
 * for that card: recorded on the account and warned about once (on the run that first sees it),
 * never a failed account, and not asked again for a month.
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
  const now = (deps.now ?? (() => new Date()))();
  const notOfferedAt = await statementsNotOfferedAt(db, connectionId, account.accountId);
  if (notOfferedAt && now.getTime() - notOfferedAt.getTime() < STATEMENTS_RECHECK_MS) return 0;
  const have = await storedStatementIds(db, connectionId, account.accountId);
  const refs: CitiStatementRef[] = [];
  try {
    for await (const item of client.statements(tokens, account.accountId)) refs.push(item);
  } catch (err) {
    if (!(err instanceof AccountUnavailableError && err.status === 404)) throw err;
    await markStatementsNotOffered(db, connectionId, account.accountId, now);
    if (!notOfferedAt) {
      result.warnings = [...(result.warnings ?? []), STATEMENTS_NOT_OFFERED];
      deps.logger.info({ connectionId, accountId: account.accountId, path: err.path }, STATEMENTS_NOT_OFFERED);
    }
    return 0;
  }
  if (notOfferedAt) await markStatementsNotOffered(db, connectionId, account.accountId, null);
  // Each statement once (a listing may repeat one), and a bounded number per sync: the listing's
  // length is Citi's, and a 16 MB page of ids was as many requests in one sync.
  const wanted = [...new Map(refs.filter((r) => !have.has(r.statementId)).map((r) => [r.statementId, r])).values()];
  if (wanted.length > MAX_STATEMENTS_PER_SYNC) {
    result.warnings = [...(result.warnings ?? []), `${wanted.length - MAX_STATEMENTS_PER_SYNC} statements left for the next sync (at most ${MAX_STATEMENTS_PER_SYNC} fetched per sync)`];
  }
  let added = 0;
  for (const item of wanted.slice(0, MAX_STATEMENTS_PER_SYNC)) {
    // The statement's transactions are the account's own, already synced: the summary is what is new.
    const s = await client.statement(tokens, account.accountId, item.statementId, { transactions: false });
    await insertStatement(db, connectionId, account.accountId, s);
    added += 1;
  }
  return added;
}
