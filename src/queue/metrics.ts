import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Queryable } from '../db/database.ts';
import type { AccountResult } from '../sync/index.ts';
import type { WorkerList } from './heartbeat.ts';
import { parseInterval } from './interval.ts';
import { periodSeconds } from './nextRuns.ts';
import { connectionHealth } from '../db/connections.ts';
import { secondsSinceLastSuccess } from '../db/connections.ts';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'waiting-children', 'prioritized', 'paused'] as const;

/**
 * The worker's Prometheus metrics, on a registry of its own (tests run several workers in one
 * process). Gauges that describe shared state (job counts, time since last success) are computed
 * when scraped, from Redis and Postgres, so every worker reports the same fleet-wide values.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly syncDuration: Histogram<'kind' | 'outcome'>;
  readonly rows: Counter<'outcome'>;
  readonly apiRequests: Counter<'status'>;
  readonly rateLimited: Counter;
  readonly tokenRefreshes: Counter;
  readonly jobsFinished: Counter<'queue' | 'outcome'>;

  private queues: Queue[] = [];
  private workers: (() => Promise<WorkerList>) | undefined;

  constructor(sources: { queues?: Queue[]; db?: Queryable; defaultMetrics?: boolean } = {}) {
    this.queues = sources.queues ?? [];
    const registers = [this.registry];
    if (sources.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'citi_sync_' });
    this.syncDuration = new Histogram({
      name: 'citi_sync_sync_duration_seconds',
      help: 'Time to sync one account (kind=account) or one whole connection, children included (kind=connection).',
      labelNames: ['kind', 'outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800],
      registers,
    });
    this.rows = new Counter({ name: 'citi_sync_rows_total', help: 'Transaction rows written, by outcome.', labelNames: ['outcome'], registers });
    this.apiRequests = new Counter({ name: 'citi_sync_api_requests_total', help: 'Citi API requests, by HTTP status (0 = no response).', labelNames: ['status'], registers });
    this.rateLimited = new Counter({ name: 'citi_sync_429_total', help: 'Citi 429 answers (counted where the gate is paused); each paused every worker for its Retry-After.', registers });
    this.tokenRefreshes = new Counter({ name: 'citi_sync_token_refreshes_total', help: 'Access-token refreshes performed by this worker.', registers });
    this.jobsFinished = new Counter({ name: 'citi_sync_jobs_finished_total', help: 'Jobs this worker finished, by queue and outcome.', labelNames: ['queue', 'outcome'], registers });

    const watched = () => this.queues;
    new Gauge({
      name: 'citi_sync_jobs',
      help: 'Jobs in each queue, by state (fleet-wide, read from Redis).',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          watched().map(async (q) => {
            const counts = await q.getJobCounts(...JOB_STATES);
            for (const state of JOB_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    const workers = () => this.workers;
    new Gauge({
      name: 'citi_sync_workers',
      help: 'Worker processes by heartbeat state: live (heartbeat current) or lost (stopped without deregistering, last 24 h).',
      labelNames: ['state'],
      registers,
      async collect() {
        const list = workers();
        if (!list) return;
        const { live, lost } = await list();
        this.set({ state: 'live' }, live.length);
        this.set({ state: 'lost' }, lost.length);
      },
    });
    const db = sources.db;
    if (db) {
      new Gauge({
        name: 'citi_sync_last_success_timestamp_seconds',
        help: 'Unix time of each active connection\'s last successful sync (absent: never).',
        labelNames: ['connection_id'],
        registers,
        async collect() {
          this.reset();
          for (const r of await connectionHealth(db)) if (r.lastSuccessAt) this.set({ connection_id: r.id }, r.lastSuccessAt.getTime() / 1000);
        },
      });
      new Gauge({
        name: 'citi_sync_schedule_interval_seconds',
        help: 'Period of each active connection\'s schedule (for cron: the longest gap between runs); absent when not scheduled.',
        labelNames: ['connection_id'],
        registers,
        async collect() {
          this.reset();
          for (const r of await connectionHealth(db)) {
            if (!r.schedule) continue;
            try {
              this.set({ connection_id: r.id }, periodSeconds(parseInterval(r.schedule)));
            } catch {
              // An invalid stored schedule is not restored either (restoreSchedules reports it).
            }
          }
        },
      });
      new Gauge({
        name: 'citi_sync_connection_needs_reconsent',
        help: '1 for each connection whose consent ended (needs_reauth): `citi-sync connect --id <id>` again.',
        labelNames: ['connection_id'],
        registers,
        async collect() {
          this.reset();
          for (const r of await connectionHealth(db)) if (r.status === 'needs_reauth') this.set({ connection_id: r.id }, 1);
        },
      });
      new Gauge({
        name: 'citi_sync_seconds_since_last_success',
        help: 'Seconds since each active connection last synced successfully (absent: never).',
        labelNames: ['connection_id'],
        registers,
        async collect() {
          this.reset();
          for (const r of await secondsSinceLastSuccess(db)) this.set({ connection_id: r.connectionId }, r.seconds);
        },
      });
    }
  }

  /** Where `citi_sync_workers` reads the fleet's heartbeats. */
  watchWorkers(list: () => Promise<WorkerList>): void {
    this.workers = list;
  }

  /** The queues whose job counts `citi_sync_jobs` reports. */
  watchQueues(queues: Queue[]): void {
    this.queues = queues;
  }

  recordAccount(result: AccountResult): void {
    this.syncDuration.observe({ kind: 'account', outcome: result.status }, result.ms / 1000);
    for (const outcome of ['inserted', 'updated', 'unchanged', 'removed', 'restored'] as const) {
      if (result[outcome] > 0) this.rows.inc({ outcome }, result[outcome]);
    }
  }

  recordRequest(status: number | null | undefined): void {
    this.apiRequests.inc({ status: String(status ?? 0) });
  }
}
