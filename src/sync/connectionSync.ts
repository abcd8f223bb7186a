import pLimit from 'p-limit';
import { ConnectionTokens } from '../auth/tokens.ts';
import { ConnectionUnusableError } from '../auth/errors.ts';
import type { AccessTokenProvider } from '../citi/index.ts';
import { syncAccount } from './accountSync.ts';
import { accountLockKey, connectionLockKey, SyncInProgressError, withLocks, type Locks } from './locks.ts';
import { storedAccounts, upsertAccounts, type StoredAccount } from './sql/accounts.ts';
import { closeInterruptedRuns, finishConnectionRun, startRun } from './sql/runs.ts';
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
 * Lists the connection's accounts and stores them (with balance history). The first step of every
 * sync, in-process or as the queue's parent job.
 */
export async function refreshAccounts(deps: SyncDeps, connectionId: string, tokens: AccessTokenProvider): Promise<StoredAccount[]> {
  const accounts = [];
  for await (const a of deps.client.accounts(tokens)) accounts.push(a);
  try {
    await upsertAccounts(deps.db, connectionId, accounts, deps.now?.() ?? new Date());
  } catch (err) {
    // Purged while the accounts were being listed (worker mode lists them without the sync lock).
    if (isSqlState(err, 'foreign_key_violation')) {
      throw new ConnectionUnusableError(connectionId, 'removed', 'it was deleted (connection remove --purge) while its accounts were listed', { cause: err });
    }
    throw err;
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
    accounts = await refreshAccounts(deps, connectionId, listing);
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
