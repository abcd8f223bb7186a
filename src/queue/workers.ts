import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { sweepOrphanedRuns, type SyncDeps } from '../sync/index.ts';
import { accountProcessor } from './jobs/syncAccount.ts';
import { connectionProcessor } from './jobs/connectionJob.ts';
import { refreshProcessor } from './jobs/refreshTokens.ts';
import type { JobContext } from './jobs/context.ts';
import type { WorkerMetrics } from './metrics.ts';
import { QUEUES } from './names.ts';
import { DEFAULT_RETRY, jobExistsProbe, openQueues, type Queues, type RetryPolicy } from './queues.ts';
import { ensureRefreshSweep, REFRESH_SWEEP_EVERY_MS, restoreSchedules } from './scheduling.ts';
import { messageOf } from '../log/errorText.ts';

export interface WorkerSetOptions {
  /** ioredis with `maxRetriesPerRequest: null`; each Worker duplicates it for its blocking reads. */
  connection: Redis | Cluster;
  prefix: string;
  deps: SyncDeps;
  /** Jobs run at once per queue in this process. */
  concurrency: number;
  /** @defaultValue DEFAULT_RETRY (5 attempts, 5 s doubling) */
  retry?: RetryPolicy;
  metrics?: WorkerMetrics;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it). A killed worker's job is
   * taken over once its lock has lapsed and a stalled check has run: within lockDuration +
   * stalledInterval.
   * @defaultValue 30000
   */
  lockDurationMs?: number;
  /** @defaultValue 15000 */
  stalledIntervalMs?: number;
  /** How often the consent refresh sweep runs; false: do not (re)create its schedule. @defaultValue 6 h */
  refreshSweepEveryMs?: number | false;
  /**
   * Queue handles the caller already has (opened with the same prefix and retry policy), e.g. for a
   * dashboard served before the workers start; the caller closes them. @defaultValue opened here,
   * closed by `close()`
   */
  queues?: Queues;
}

export interface WorkerSet {
  workers: Worker[];
  queues: Queues;
  /**
   * Stops taking jobs, tells running syncs to stop after their current page, and waits for them;
   * after `graceMs` the rest are abandoned (their locks lapse and another worker takes them over).
   * Returns false when it had to force.
   */
  close(graceMs?: number): Promise<boolean>;
}

export async function startWorkers(opts: WorkerSetOptions): Promise<WorkerSet> {
  const log = opts.deps.logger;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const queues = opts.queues ?? openQueues(opts.connection, opts.prefix, retry);
  const shutdown = new AbortController();
  const ctx: JobContext = { deps: opts.deps, queues, retry, metrics: opts.metrics, shutdown: shutdown.signal };
  const common = {
    connection: opts.connection,
    prefix: opts.prefix,
    lockDuration: opts.lockDurationMs ?? 30_000,
    stalledInterval: opts.stalledIntervalMs ?? 15_000,
    // A job whose worker died twice in a row is failed rather than handed on forever.
    maxStalledCount: 2,
    autorun: false,
  };
  const workers = [
    new Worker(QUEUES.connection, connectionProcessor(ctx), { ...common, concurrency: opts.concurrency }),
    new Worker(QUEUES.account, accountProcessor(ctx), { ...common, concurrency: opts.concurrency }),
    new Worker(QUEUES.refresh, refreshProcessor(ctx), { ...common, concurrency: 1 }),
  ];
  for (const w of workers) {
    w.on('error', (err) => log.error({ queue: w.name, err: { message: err.message } }, 'worker error'));
    w.on('failed', (job: Job | undefined, err: Error) => {
      opts.metrics?.jobsFinished.inc({ queue: w.name, outcome: 'failed' });
      const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      log.warn({ queue: w.name, jobId: job?.id, attempt: job?.attemptsMade, final, err: { name: err.name, message: err.message } }, final ? 'job failed' : 'job failed; will retry');
    });
    w.on('completed', () => opts.metrics?.jobsFinished.inc({ queue: w.name, outcome: 'completed' }));
  }
  if (opts.refreshSweepEveryMs !== false) await ensureRefreshSweep(queues, opts.refreshSweepEveryMs ?? REFRESH_SWEEP_EVERY_MS);
  // Schedules live in Postgres too: put them back now, and again whenever Redis comes back (it may
  // have restarted empty), so a lost Redis does not silently stop every sync. Runs whose jobs Redis
  // lost are closed at the same moments, so none stays `running` forever.
  const restore = async (why: string) => {
    try {
      if (opts.refreshSweepEveryMs !== false) await ensureRefreshSweep(queues, opts.refreshSweepEveryMs ?? REFRESH_SWEEP_EVERY_MS);
      const r = await restoreSchedules(opts.deps.db, queues);
      log.info({ restored: r.restored, invalid: r.invalid, why }, 'schedules restored from Postgres');
    } catch (err) {
      log.warn({ err: { message: messageOf(err) }, why }, 'could not restore schedules');
    }
    try {
      await sweepOrphanedRuns(opts.deps, jobExistsProbe(queues));
    } catch (err) {
      log.warn({ err: { message: messageOf(err) }, why }, 'could not sweep orphaned runs');
    }
  };
  await restore('start');
  // Registered after the start-up restore used the connection: any later 'ready' is a reconnect.
  opts.connection.on('ready', () => void restore('redis reconnected'));
  for (const w of workers) {
    w.run().catch((err: unknown) => log.error({ queue: w.name, err: { message: messageOf(err) } }, 'worker stopped'));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info({ prefix: opts.prefix, concurrency: opts.concurrency }, 'workers started');

  let closing: Promise<boolean> | undefined;
  return {
    workers,
    queues,
    close(graceMs = 30_000) {
      closing ??= (async () => {
        shutdown.abort(new Error('worker shutting down'));
        const graceful = Promise.all(workers.map((w) => w.close())).then(() => true);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
        const clean = await Promise.race([graceful, timeout]);
        clearTimeout(timer);
        if (!clean) {
          log.warn({ graceMs }, 'jobs did not stop in time; abandoning them to other workers');
          await Promise.allSettled(workers.map((w) => w.close(true)));
        }
        if (!opts.queues) await queues.close();
        return clean;
      })();
      return closing;
    },
  };
}

