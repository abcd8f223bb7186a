import type { SyncDeps } from '../../sync/index.ts';
import type { WorkerMetrics } from '../metrics.ts';
import type { Queues, RetryPolicy } from '../queues.ts';

/** What every processor is given; built once per worker process. */
export interface JobContext {
  deps: SyncDeps;
  queues: Queues;
  retry: RetryPolicy;
  metrics: WorkerMetrics | undefined;
  /** Aborted on SIGTERM/SIGINT: syncs stop between pages and hand their job back to the queue. */
  shutdown: AbortSignal;
}
