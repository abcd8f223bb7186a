import pLimit from 'p-limit';
import { ConnectionUnusableError } from '../auth/errors.ts';
import { syncAccount } from './accountSync.ts';
import { closeConnectionRun, failedWith, listRunAccounts, openConnectionRun, rollUp, type JobExistsProbe } from './connectionRun.ts';
import { accountLockKey, connectionLockKey, SyncInProgressError, withLocks, type Locks } from './locks.ts';
import type { StoredAccount } from './sql/accounts.ts';
import type { AccountResult, ConnectionResult, SyncDeps, SyncOptions } from './types.ts';
import { nameAndMessage } from '../log/errorText.ts';

export interface InProcessSyncOptions extends SyncOptions {
  waitMs?: number;
  accountIds?: string[];
  /** When Redis is at hand: also close this connection's worker runs whose job is gone. */
  jobExists?: JobExistsProbe;
}

function failedUnstarted(accountId: string, reason: unknown): AccountResult {
  return { ...skipped(accountId, nameAndMessage(reason)), status: 'failed', errorAction: 'retry' };
}

function skipped(accountId: string, reason: string): AccountResult {
  return { accountId, status: 'skipped', requests: 0, pages: 0, ms: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0, restored: 0, error: reason };
}

/**
 * Syncs one connection in this process: token, accounts, then every account (a few at a time).
 * The connection lock makes a second process wait (or fail after `waitMs`) instead of racing.
 */
export async function syncConnection(
  deps: SyncDeps,
  connectionId: string,
  opts: InProcessSyncOptions,
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
  opts: InProcessSyncOptions,
  locks: Locks,
): Promise<ConnectionResult> {
  const started = Date.now();
  const log = deps.logger.child({ connectionId });
  const run = await openConnectionRun(deps, connectionId, { trigger: opts.trigger, jobExists: opts.jobExists });
  const { runId, tokens } = run;
  log.info({ runId }, 'sync started');
  let accounts: StoredAccount[];
  try {
    accounts = await listRunAccounts(deps, run);
  } catch (err) {
    const outcome = failedWith(err);
    await closeConnectionRun(deps, { connectionId, runId, trigger: opts.trigger }, outcome, run.listing.requests);
    log.warn({ err: { message: outcome.error } }, 'sync failed before accounts');
    if (err instanceof ConnectionUnusableError) throw err;
    return { connectionId, runId, status: 'failed', accounts: [], error: outcome.error ?? undefined, ms: Date.now() - started };
  }
  if (opts.accountIds) accounts = accounts.filter((a) => opts.accountIds!.includes(a.accountId));
  opts.onProgress?.({ type: 'accounts', connectionId, count: accounts.length });

  // Losing the lock session frees the locks for another process: every account stops between pages.
  const signal = opts.signal ? AbortSignal.any([opts.signal, locks.lost]) : locks.lost;
  const limit = pLimit(deps.settings.accountConcurrency);
  // allSettled, not all: when one account's task throws (its database went away mid-bookkeeping), the
  // others still hold open transactions and account locks. Returning before they settle would free the
  // connection lock while they still write, and a next sync would plan against state they are about to
  // change (found by the cut-off test: a straggler moved a watermark under the next run).
  const settled = await Promise.allSettled(
    accounts.map((account) =>
      limit(async () => {
        if (locks.lost.aborted) return failedUnstarted(account.accountId, locks.lost.reason);
        let release: () => Promise<void>;
        try {
          release = await locks.acquire(accountLockKey(connectionId, account.accountId), { waitMs: opts.waitMs, connectionId });
        } catch (err) {
          // A worker holds this account right now; it will land the same data.
          if (err instanceof SyncInProgressError) return skipped(account.accountId, 'being synced by another process (a worker)');
          // Not synced, and said so: thrown from here, the error would leave the run `running`
          // (the close below never reached). A lost session is reported as the run's failure.
          return failedUnstarted(account.accountId, err);
        }
        try {
          return await syncAccount(deps, { connectionId, account, tokens, parentRunId: runId }, { ...opts, signal });
        } finally {
          await release();
        }
      }),
    ),
  );
  const thrown = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (thrown) {
    // Best effort: the database may be what failed, and then the next sync's sweep closes the run.
    await closeConnectionRun(deps, { connectionId, runId, trigger: opts.trigger }, failedWith(thrown.reason), run.listing.requests).catch(() => undefined);
    throw thrown.reason;
  }
  const results = settled.map((s) => (s as PromiseFulfilledResult<AccountResult>).value);
  const outcome = locks.lost.aborted ? failedWith(locks.lost.reason) : rollUp(results.filter((r) => r.status === 'failed').length, results.length);
  const { status } = await closeConnectionRun(deps, { connectionId, runId, trigger: opts.trigger }, outcome, run.listing.requests);
  if (locks.lost.aborted) {
    log.warn({ runId, err: { message: outcome.error } }, 'sync stopped: its lock session was lost');
    throw locks.lost.reason;
  }
  log.info({ runId, status, ms: Date.now() - started }, 'sync finished');
  return { connectionId, runId, status, accounts: results, ms: Date.now() - started };
}
