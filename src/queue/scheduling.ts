import type { Queue } from 'bullmq';
import type { SyncTrigger } from '../sync/index.ts';
import { parseInterval, repeatFor, type Interval } from './interval.ts';
import type { Queryable } from '../db/database.ts';
import { activeSchedules, clearAllSchedules, setSchedule } from '../db/connections.ts';
import { connectionDedupId, connectionFromSchedulerId, JOBS, schedulerId, syncJobId } from './names.ts';
import type { Queues } from './queues.ts';

export interface TickData {
  connectionId: string;
}

export interface SyncConnectionData {
  connectionId: string;
  trigger: SyncTrigger;
  /** Set by the job itself as it goes (process-step pattern), so a retry resumes at the right step. */
  step?: 'list' | 'wait';
  runId?: string;
  accounts?: number;
  /** Requests spent listing accounts, added to the run record at the end. */
  listRequests?: number;
  startedAt?: number;
}

/**
 * Creates or updates the connection's job scheduler (idempotent: running it again keeps the same
 * slot). The scheduler's jobs are ticks; see `enqueueSync`.
 */
export async function scheduleConnection(queues: Queues, connectionId: string, interval: Interval): Promise<{ next: number | undefined }> {
  const job = await queues.connection.upsertJobScheduler(schedulerId(connectionId), repeatFor(connectionId, interval), {
    name: JOBS.tick,
    data: { connectionId } satisfies TickData,
    // A tick only enqueues; it needs few tries and little history.
    opts: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } },
  });
  return { next: job ? job.timestamp + (job.opts.delay ?? 0) : undefined };
}

export async function unscheduleConnection(queues: Queues, connectionId: string): Promise<boolean> {
  return queues.connection.removeJobScheduler(schedulerId(connectionId));
}

export interface ScheduleInfo {
  connectionId: string;
  /** When the next tick fires (ms since epoch). */
  next: number | undefined;
  every: number | undefined;
  pattern: string | undefined;
}

export async function listSchedules(queue: Queue): Promise<Map<string, ScheduleInfo>> {
  const out = new Map<string, ScheduleInfo>();
  const pageSize = 500;
  for (let start = 0; ; start += pageSize) {
    const page = await queue.getJobSchedulers(start, start + pageSize - 1, true);
    for (const s of page) {
      const id = connectionFromSchedulerId(s.key);
      if (id) out.set(id, { connectionId: id, next: s.next ?? undefined, every: s.every ?? undefined, pattern: s.pattern ?? undefined });
    }
    if (page.length < pageSize) return out;
  }
}

/**
 * Adds a sync of the connection unless one is already queued, running or waiting for its accounts:
 * the deduplication id holds until that job completes or fails, so there is one sync-connection job
 * per connection at a time however often ticks fire. Returns the job id that will do the work.
 */
export async function enqueueSync(queue: Queue, connectionId: string, trigger: SyncTrigger): Promise<string | undefined> {
  const job = await queue.add(JOBS.connection, { connectionId, trigger } satisfies SyncConnectionData, {
    jobId: syncJobId(connectionId),
    deduplication: { id: connectionDedupId(connectionId) },
  });
  return job.id;
}

/** The token sweep runs on its own schedule; every worker upserts it at start-up (idempotent). */
export const REFRESH_SWEEP_EVERY_MS = 6 * 3600 * 1000;

export async function ensureRefreshSweep(queues: Queues, everyMs = REFRESH_SWEEP_EVERY_MS): Promise<void> {
  await queues.refresh.upsertJobScheduler(
    JOBS.refreshSweep,
    { every: everyMs },
    { name: JOBS.refreshSweep, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: { count: 50 }, removeOnFail: { count: 100 } } },
  );
}

/**
 * Puts every schedule recorded in Postgres back into Redis (idempotent: an existing scheduler keeps
 * its slot). Workers run it at start and whenever Redis comes back, so a Redis that lost its data
 * (a restart without persistence, a failover) does not silently stop the syncs.
 */
export async function restoreSchedules(db: Queryable, queues: Queues): Promise<{ restored: number; invalid: string[] }> {
  const out = { restored: 0, invalid: [] as string[] };
  for (const { id, schedule } of await activeSchedules(db)) {
    let interval: Interval;
    try {
      interval = parseInterval(schedule);
    } catch {
      out.invalid.push(id);
      continue;
    }
    await scheduleConnection(queues, id, interval);
    out.restored += 1;
  }
  return out;
}

/**
 * Keeps Postgres's record of schedules in step with Redis (workers restore Redis from it). With
 * `all` and no schedule (`unschedule --all`) it also forgets schedules Redis no longer knew about
 * (it may have lost them).
 */
export async function recordSchedules(db: Queryable, ids: string[], schedule: string | null, opts: { all?: boolean } = {}): Promise<void> {
  await setSchedule(db, ids, schedule);
  if (opts.all && schedule === null) await clearAllSchedules(db);
}
