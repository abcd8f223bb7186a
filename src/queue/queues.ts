import type * as BullMQ from 'bullmq';
import type { ConnectionOptions, DefaultJobOptions } from 'bullmq';
import { QUEUES, type QueueName } from './names.ts';
import { requireCommonJs } from '../commonJs.ts';

// Through require: see src/commonJs.ts (status and schedule load bullmq for its Queue alone).
const { Queue } = requireCommonJs('bullmq') as typeof BullMQ;
type Queue = BullMQ.Queue;

/** Bounded history: enough to inspect recent failures, never an unbounded Redis. */
export const KEEP = {
  completed: { count: 1000, age: 7 * 24 * 3600 },
  failed: { count: 1000 },
} as const;

export interface RetryPolicy {
  /** Tries per job, the first included. @defaultValue 5 */
  attempts: number;
  /** First retry delay; it doubles each time (5 s, 10 s, 20 s, 40 s). @defaultValue 5000 */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, backoffMs: 5000 };

export function jobOptions(retry: RetryPolicy = DEFAULT_RETRY): DefaultJobOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    removeOnComplete: KEEP.completed,
    removeOnFail: KEEP.failed,
  };
}

/** The three queues, opened on one connection with the same prefix and retry policy. */
export interface Queues {
  connection: Queue;
  account: Queue;
  refresh: Queue;
  close(): Promise<void>;
}

export function openQueues(connection: ConnectionOptions, prefix: string, retry: RetryPolicy = DEFAULT_RETRY): Queues {
  const open = (name: QueueName) => new Queue(name, { connection, prefix, defaultJobOptions: jobOptions(retry) });
  const q = { connection: open(QUEUES.connection), account: open(QUEUES.account), refresh: open(QUEUES.refresh) };
  return {
    ...q,
    async close() {
      await Promise.allSettled([q.connection.close(), q.account.close(), q.refresh.close()]);
    },
  };
}

/**
 * "Does the job behind this run still exist?" for the sync layer's sweep of orphaned runs
 * (src/sync/connectionRun.ts): account runs are `sync-account` jobs, connection runs
 * `sync-connection` jobs. A job that exists in any state (waiting, delayed for a retry, active,
 * waiting for children) may still close its run.
 */
export function jobExistsProbe(queues: Pick<Queues, 'connection' | 'account'>): (job: { jobId: string; accountId: string | null }) => Promise<boolean> {
  return async ({ jobId, accountId }) => (await (accountId === null ? queues.connection : queues.account).getJob(jobId)) !== undefined;
}
