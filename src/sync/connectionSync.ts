import { afterRunClosed } from '../notify/afterRunClosed.ts';
import pLimit from 'p-limit';
import { ConnectionTokens } from '../auth/tokens.ts';
import { ConnectionUnusableError } from '../auth/errors.ts';
import type { AccessTokenProvider, CitiAccountListing } from '../citi/index.ts';
import { syncAccount } from './accountSync.ts';
import { accountLockKey, connectionLockKey, SyncInProgressError, withLocks, type Locks } from './locks.ts';
import { storedAccounts, upsertAccounts, type StoredAccount } from './sql/accounts.ts';
import { addRunWarnings, closeInterruptedRuns, finishConnectionRun, startRun } from './sql/runs.ts';
import { marketClient } from './market.ts';
import type { AccountResult, ConnectionResult, SyncDeps, SyncOptions } from './types.ts';
import { CountingTokens } from './countingTokens.ts';
import { isSqlState } from '../db/sqlstate.ts';


function skipped(accountId: string, reason: string): AccountResult {
  return { accountId, status: 'skipped', requests: 0, pages: 0, ms: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0, restored: 0, error: reason };
}

export function tokensFor(deps: SyncDeps, connectionId: string): ConnectionTokens {
  return new ConnectionTokens(
    { db: deps.db, cipher: deps.cipher, oauth: deps.client.oauth, logger: deps.logger, now: deps.now ? () => deps.now!().getTime() : undefined },
    connectionId,
  );
}

/**
 * Lists the connection's accounts (in its market's dialect) and stores them (balances, holdings).
 * The first step of every sync, in-process or as the queue's parent job. What the listing noticed
 * without failing (an id Citi listed under several kinds, entries not synced) is logged and, with
 * `runId`, recorded on that run.
 */
export async function refreshAccounts(deps: SyncDeps, connectionId: string, tokens: AccessTokenProvider, runId?: string): Promise<StoredAccount[]> {
  const client = await marketClient(deps, connectionId);
  const listing = await client.listAccounts(tokens);
  const accounts = listing.accounts;
  const warnings = listingWarnings(listing);
  if (warnings.length > 0) {
    deps.logger.warn({ connectionId, country: client.country, warnings }, 'the account listing needs a look');
    if (runId) await addRunWarnings(deps.db, runId, warnings);
  }
  const asOf = deps.now?.() ?? new Date();
  // One transaction: a day's holdings snapshot is replaced by a delete and an insert.
  let written;
  try {
    written = await deps.db.transaction((tx) => upsertAccounts(tx, connectionId, accounts, asOf));
  } catch (err) {
    // Purged while the accounts were being listed (worker mode lists them without the sync lock).
    if (isSqlState(err, 'foreign_key_violation')) {
      throw new ConnectionUnusableError(connectionId, 'removed', 'it was deleted (connection remove --purge) while its accounts were listed', { cause: err });
    }
    throw err;
  }
  if (written.repeatedAccountIds.length > 0) {
    deps.logger.warn({ connectionId, accountIds: written.repeatedAccountIds }, 'Citi listed an account id more than once; only the first account listed under it is stored');
  }
  const stored = await storedAccounts(deps.db, connectionId);
  const current = new Set(accounts.map((a) => a.accountId));
  return stored.filter((s) => current.has(s.accountId));
}

/**
 * Syncs one connection in this process: token, accounts, then every account (a few at a time).
 * The connection lock makes a second process wait (or fail after `waitMs`) instead of racing.
 */
export async function syncConnection(
  deps: SyncDeps,
  connectionId: string,
  opts: SyncOptions & { waitMs?: number; accountIds?: string[] },
): Promise<ConnectionResult> {
  return withLocks(deps.db, async (locks) => {
    const release = await locks.acquire(connectionLockKey(connectionId), { waitMs: opts.waitMs, connectionId });
    try {
      return await syncConnectionLocked(deps, connectionId, opts, locks);
    } finally {
      await release();
      await afterRunClosed(deps, connectionId);
    }
  });
}

async function syncConnectionLocked(
  deps: SyncDeps,
  connectionId: string,
  opts: SyncOptions & { waitMs?: number; accountIds?: string[] },
  locks: Locks,
): Promise<ConnectionResult> {
  const started = Date.now();
  const log = deps.logger.child({ connectionId });
  await closeInterruptedRuns(deps.db, connectionId, null);
  const runId = await startRun(deps.db, { connectionId, trigger: opts.trigger, jobId: opts.jobId });
  log.info({ runId }, 'sync started');
  const tokens = tokensFor(deps, connectionId);
  const listing = new CountingTokens(tokens);
  let accounts: StoredAccount[];
  try {
    accounts = await refreshAccounts(deps, connectionId, listing, runId);
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await finishConnectionRun(deps.db, runId, 'failed', message, listing.requests);
    log.warn({ err: { message } }, 'sync failed before accounts');
    if (err instanceof ConnectionUnusableError) throw err;
    return { connectionId, runId, status: 'failed', accounts: [], error: message, ms: Date.now() - started };
  }
  if (opts.accountIds) accounts = accounts.filter((a) => opts.accountIds!.includes(a.accountId));
  opts.onProgress?.({ type: 'accounts', connectionId, count: accounts.length });

  const limit = pLimit(deps.settings.accountConcurrency);
  const results: AccountResult[] = await Promise.all(
    accounts.map((account) =>
      limit(async () => {
        let release: () => Promise<void>;
        try {
          release = await locks.acquire(accountLockKey(connectionId, account.accountId), { waitMs: opts.waitMs, connectionId });
        } catch (err) {
          if (!(err instanceof SyncInProgressError)) throw err;
          // A worker holds this account right now; it will land the same data.
          return skipped(account.accountId, 'being synced by another process (a worker)');
        }
        try {
          return await syncAccount(deps, { connectionId, account, tokens, parentRunId: runId }, opts);
        } finally {
          await release();
        }
      }),
    ),
  );
  const failed = results.filter((r) => r.status === 'failed');
  const status = failed.length === 0 ? 'succeeded' : failed.length === results.length ? 'failed' : 'partial';
  await finishConnectionRun(deps.db, runId, status, failed.length ? `${failed.length} of ${results.length} accounts failed` : null, listing.requests);
  log.info({ runId, status, ms: Date.now() - started }, 'sync finished');
  return { connectionId, runId, status, accounts: results, ms: Date.now() - started };
}

/**
 * One line per thing the listing noticed. A repeated id is not merged (§3): the first kind listed is
 * synced, the others are not, and the person is told which.
 */
export function listingWarnings(listing: CitiAccountListing): string[] {
  const out: string[] = [];
  for (const r of listing.repeated) {
    out.push(`account id ${shortId(r.accountId)} is listed as ${[r.kept, ...r.dropped].join(', ')}: only the ${r.kept} account is synced, not merged`);
  }
  for (const n of listing.notSynced) {
    out.push(`${n.kind} ${n.id === null ? '(no id)' : shortId(n.id)} in group ${n.accountGroup ?? '(unnamed)'} is not synced`);
  }
  return out;
}

function shortId(id: string): string {
  return id.length > 24 ? `${id.slice(0, 12)}…${id.slice(-8)}` : id;
}
