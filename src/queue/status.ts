import type { Job } from 'bullmq';
import { connectionOverview, type ConnectionStatus as ConnectionState } from '../db/connections.ts';
import type { Queryable } from '../db/database.ts';
import type { SyncRunStatus } from '../db/schema.ts';
import { formatEvery } from './interval.ts';
import type { Queues } from './queues.ts';
import { listSchedules } from './scheduling.ts';

export interface ConnectionStatus {
  id: string;
  state: ConnectionState;
  stateReason: string | null;
  accounts: number;
  liveRows: number;
  lastRun: { startedAt: string; finishedAt: string | null; status: SyncRunStatus | 'unknown'; inserted: number; updated: number; error: string | null } | null;
  lastSuccessAt: string | null;
  /** Undefined when Redis was not reachable; null when not scheduled. */
  schedule: { every: string | null; cron: string | null; next: string | null } | null | undefined;
}

export interface FailedJob {
  queue: string;
  jobId: string | undefined;
  connectionId: string | undefined;
  accountId: string | undefined;
  attempts: number;
  failedAt: string | null;
  reason: string;
}

export interface StatusReport {
  redis: { reachable: true; queues: Record<string, Record<string, number>> } | { reachable: false; error: string };
  connections: ConnectionStatus[];
  failedJobs: FailedJob[];
}

/** Everything `citi-sync status` shows. Postgres is required; Redis adds schedules and failed jobs. */
export async function gatherStatus(db: Queryable, queues: Queues | undefined, redisError?: string): Promise<StatusReport> {
  const rows = await connectionOverview(db);
  const schedules = queues ? await listSchedules(queues.connection) : undefined;
  const connections: ConnectionStatus[] = rows.map((r) => {
    const s = schedules?.get(r.id);
    return {
      id: r.id,
      state: r.status,
      stateReason: r.status_reason,
      accounts: r.accounts,
      liveRows: Number(r.live_rows),
      lastRun: r.run_started
        ? {
            startedAt: r.run_started.toISOString(),
            finishedAt: r.run_finished?.toISOString() ?? null,
            status: r.run_status ?? 'unknown',
            inserted: r.run_inserted ?? 0,
            updated: r.run_updated ?? 0,
            error: r.run_error,
          }
        : null,
      lastSuccessAt: r.last_success?.toISOString() ?? null,
      schedule: schedules === undefined ? undefined : s ? { every: s.every ? formatEvery(s.every) : null, cron: s.pattern ?? null, next: s.next ? new Date(s.next).toISOString() : null } : null,
    };
  });
  if (!queues) return { redis: { reachable: false, error: redisError ?? 'not connected' }, connections, failedJobs: [] };

  const counts: Record<string, Record<string, number>> = {};
  const failedJobs: FailedJob[] = [];
  for (const q of [queues.connection, queues.account, queues.refresh]) {
    counts[q.name] = await q.getJobCounts('waiting', 'active', 'delayed', 'waiting-children', 'failed', 'completed');
    const failed: Job[] = await q.getFailed(0, 99);
    for (const j of failed) {
      const data = (j.data ?? {}) as { connectionId?: string; account?: { accountId?: string } };
      failedJobs.push({
        queue: q.name,
        jobId: j.id,
        connectionId: data.connectionId,
        accountId: data.account?.accountId,
        attempts: j.attemptsMade,
        failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
        reason: j.failedReason,
      });
    }
  }
  failedJobs.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
  return { redis: { reachable: true, queues: counts }, connections, failedJobs };
}
