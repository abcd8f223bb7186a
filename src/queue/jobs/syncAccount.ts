import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { syncAccount, tokensFor, withSyncLock, SyncInProgressError, type AccountResult, type StoredAccount, type SyncTrigger } from '../../sync/index.ts';
import { AccountSyncFailedError } from '../accountSyncFailedError.ts';
import { ConnectionGoneError } from '../connectionGoneError.ts';
import { ConnectionUnusableError } from '../../auth/errors.ts';
import { accountLockKey } from '../names.ts';
import { connectionState } from '../../db/connections.ts';
import type { JobContext } from './context.ts';

export interface AccountJobData {
  connectionId: string;
  account: StoredAccount;
  parentRunId: string;
  trigger: SyncTrigger;
}

/**
 * The `sync-account` processor: the engine's syncAccount under a per-account advisory lock (the
 * final guard against two workers on one account). A failed account throws a retryable error, so
 * BullMQ retries it with backoff and the engine resumes from its checkpoint.
 */
export function accountProcessor(ctx: JobContext) {
  return async (job: Job<AccountJobData>, token?: string, signal?: AbortSignal): Promise<AccountResult> => {
    const { deps } = ctx;
    const { connectionId, account, parentRunId, trigger } = job.data;
    const state = await connectionState(deps.db, connectionId);
    if (state?.status !== 'active') throw new ConnectionGoneError(connectionId, state);

    const stop = signal ? AbortSignal.any([ctx.shutdown, signal]) : ctx.shutdown;
    const tokens = tokensFor(deps, connectionId);
    let result: AccountResult;
    try {
      result = await withSyncLock(
        deps.db,
        accountLockKey(connectionId, account.accountId),
        (lost) => syncAccount(deps, { connectionId, account, tokens, parentRunId }, { trigger, jobId: job.id, signal: AbortSignal.any([stop, lost]) }),
        { waitMs: 0, connectionId },
      );
    } catch (err) {
      // Someone else (a duplicate job, or `citi-sync sync` in a shell) is on this account: try later.
      if (err instanceof SyncInProgressError) throw new AccountSyncFailedError(connectionId, account.accountId, 'being synced elsewhere', { cause: err });
      // Purged between the check above and the lock: not worth a retry.
      if (err instanceof ConnectionUnusableError) throw new ConnectionGoneError(connectionId, await connectionState(deps.db, connectionId), err.message);
      throw err;
    } finally {
      ctx.metrics?.tokenRefreshes.inc(tokens.refreshes);
    }
    ctx.metrics?.recordAccount(result);

    if (ctx.shutdown.aborted && token) {
      // Stopped between pages by a shutdown: hand the job back without spending an attempt. Its
      // checkpoint is committed, so whoever takes it next resumes at the next page.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (result.status === 'failed') {
      const reason = result.error ?? 'failed';
      const now = await connectionState(deps.db, connectionId);
      if (now?.status !== 'active') throw new ConnectionGoneError(connectionId, now, reason);
      // The engine kept the thrown error's `action` (what the caller must do): it decides here.
      switch (result.errorAction ?? 'retry') {
        case 'skip-account':
        case 'fatal':
          throw new UnrecoverableError(`account ${account.accountId} of ${connectionId}: ${reason}`);
        case 'reauth':
          throw new ConnectionGoneError(connectionId, now, reason);
        case 'retry':
        case 'refresh':
          throw new AccountSyncFailedError(connectionId, account.accountId, reason + (result.errorPage ? ` (at ${result.errorPage})` : ''));
      }
    }
    return result;
  };
}
