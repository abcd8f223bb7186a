import { UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { ConnectionUnusableError } from '../../auth/errors.ts';
import { closeConnectionRun, failedWith, listRunAccounts, openConnectionRun, rollUp } from '../../sync/connectionRun.ts';
import type { AccountResult, ConnectionRunStatus, StoredAccount } from '../../sync/index.ts';
import { ConnectionGoneError } from '../connectionGoneError.ts';
import { accountJobId, JOBS } from '../names.ts';
import { jobExistsProbe, jobOptions } from '../queues.ts';
import { enqueueSync, type SyncConnectionData, type TickData } from '../scheduling.ts';
import { connectionState } from '../../db/connections.ts';
import type { JobContext } from './context.ts';
import type { AccountJobData } from './syncAccount.ts';

export interface ConnectionJobResult {
  connectionId: string;
  runId: string;
  status: ConnectionRunStatus;
  accounts: number;
  failedAccounts: number;
  inserted: number;
  updated: number;
}

/** The `sync-connection` queue's processor: schedule ticks and the parent sync jobs. */
export function connectionProcessor(ctx: JobContext) {
  return async (job: Job, token?: string): Promise<unknown> => {
    if (job.name === JOBS.tick) {
      const { connectionId } = job.data as TickData;
      const id = await enqueueSync(ctx.queues.connection, connectionId, 'schedule');
      return { enqueued: id };
    }
    return processSyncConnection(ctx, job as Job<SyncConnectionData>, token);
  };
}

/**
 * The parent job, as steps saved in its data (BullMQ's "process step jobs" pattern):
 *  1. list: check the connection, open its run record, list and store its accounts (no sync lock:
 *     listing is idempotent), add one child per account, move to waiting-children;
 *  2. wait: on wake-up, when every child has finished, record the connection's run.
 * A child that fails for good does not block the parent (ignoreDependencyOnFailure): it is counted.
 */
async function processSyncConnection(ctx: JobContext, job: Job<SyncConnectionData>, token: string | undefined): Promise<ConnectionJobResult> {
  const { deps } = ctx;
  const { connectionId, trigger } = job.data;
  const log = deps.logger.child({ connectionId, jobId: job.id });
  if (!token || !job.id) throw new UnrecoverableError('sync-connection jobs must be processed by a worker holding a lock token');

  if ((job.data.step ?? 'list') === 'list') {
    const state = await connectionState(deps.db, connectionId);
    if (state?.status !== 'active') throw new ConnectionGoneError(connectionId, state);
    const run = await openConnectionRun(deps, connectionId, { trigger, jobId: job.id, runId: job.data.runId, jobExists: jobExistsProbe(ctx.queues) });
    const { runId, tokens } = run;
    if (!job.data.runId) await job.updateData({ ...job.data, runId, startedAt: Date.now() });

    let accounts: StoredAccount[];
    try {
      accounts = await listRunAccounts(deps, run);
    } catch (err) {
      const outcome = failedWith(err);
      const final = err instanceof ConnectionUnusableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // The run record is closed only when no retry will reopen it: a retry reuses runId.
      if (final) await closeConnectionRun(deps, { connectionId, runId, trigger }, outcome, run.listing.requests);
      ctx.metrics?.tokenRefreshes.inc(tokens.refreshes);
      if (err instanceof ConnectionUnusableError) throw new ConnectionGoneError(connectionId, await connectionState(deps.db, connectionId), err.message);
      log.warn({ err: { message: outcome.error } }, 'listing accounts failed');
      throw err;
    }
    ctx.metrics?.tokenRefreshes.inc(tokens.refreshes);

    const accountOpts = { ...jobOptions(ctx.retry), ignoreDependencyOnFailure: true };
    await ctx.queues.account.addBulk(
      accounts.map((account) => ({
        name: JOBS.account,
        data: { connectionId, account, parentRunId: runId, trigger } satisfies AccountJobData,
        opts: { ...accountOpts, jobId: accountJobId(job.id!, account.accountId), parent: { id: job.id!, queue: job.queueQualifiedName } },
      })),
    );
    await job.updateData({ ...job.data, runId, step: 'wait', accounts: accounts.length, listRequests: run.listing.requests, startedAt: job.data.startedAt ?? Date.now() });
    log.info({ accounts: accounts.length }, 'accounts listed; syncing each as its own job');
  }

  // Invariant: moveToWaitingChildren returns false only when no child is still pending.
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
  return finish(ctx, job);
}

async function finish(ctx: JobContext, job: Job<SyncConnectionData>): Promise<ConnectionJobResult> {
  const { connectionId, runId, trigger } = job.data;
  if (!runId) throw new UnrecoverableError('sync-connection job reached its last step without a run id');
  const done = Object.values(await job.getChildrenValues<AccountResult>());
  const failed = Object.keys(await job.getIgnoredChildrenFailures()).length;
  const total = done.length + failed;
  const { status } = await closeConnectionRun(ctx.deps, { connectionId, runId, trigger }, rollUp(failed, total), job.data.listRequests ?? 0);
  const ms = Date.now() - (job.data.startedAt ?? job.timestamp);
  ctx.metrics?.syncDuration.observe({ kind: 'connection', outcome: status }, ms / 1000);
  ctx.deps.logger.info({ connectionId, runId, status, accounts: total, ms }, 'connection sync finished');
  return {
    connectionId,
    runId,
    status,
    accounts: total,
    failedAccounts: failed,
    inserted: done.reduce((n, r) => n + r.inserted, 0),
    updated: done.reduce((n, r) => n + r.updated, 0),
  };
}
