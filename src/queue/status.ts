import type { Job } from 'bullmq';
import { connectionOverview, type ConnectionStatus as ConnectionState } from '../db/connections.ts';
import type { Queryable } from '../db/database.ts';
import type { SyncRunStatus } from '../db/statuses.ts';
import { formatEvery } from './interval.ts';
import type { Queues } from './queues.ts';
import { listSchedules } from './scheduling.ts';
import type { WorkerList } from './heartbeat.ts';
import { accountProblems, type AccountProblem } from './sql/status.ts';

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
  /** Accounts whose latest attempt failed: retrying (run still open, or a retry queued) or failed. */
  accountProblems: Array<Omit<AccountProblem, 'connectionId'> & { attempts?: number; nextAttemptAt?: string }>;
  /** The consent ended (`needs_reauth`): only `citi-sync connect --id <id>` brings it back. */
  needsReconsent: boolean;
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
  /** Worker processes by heartbeat; undefined without Redis. */
  workers?: WorkerList;
  connections: ConnectionStatus[];
  failedJobs: FailedJob[];
}

/** Everything `citi-sync status` shows. Postgres is required; Redis adds schedules and failed jobs. */
export async function gatherStatus(db: Queryable, queues?: Queues, redisError?: string, workers?: WorkerList): Promise<StatusReport> {
  const report = await gatherBasics(db, queues, redisError);
  return withProblems(db, queues, { ...report, ...(workers ? { workers } : {}) });
}

async function gatherBasics(db: Queryable, queues: Queues | undefined, redisError?: string): Promise<StatusReport> {
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
      accountProblems: [],
      needsReconsent: r.status === 'needs_reauth',
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

/** Bound on the delayed (retrying) jobs read from Redis. */
const MAX_RETRYING_JOBS = 500;

/**
 * Adds each connection's failing accounts: from Postgres (the latest attempt of each account in the
 * latest run) and, with Redis, the account jobs waiting for a retry (their attempt count, reason
 * and when the next attempt is due).
 */
async function withProblems(db: Queryable, queues: Queues | undefined, report: StatusReport): Promise<StatusReport> {
  const byId = new Map(report.connections.map((c) => [c.id, c]));
  for (const p of await accountProblems(db)) {
    const { connectionId, ...rest } = p;
    byId.get(connectionId)?.accountProblems.push(rest);
  }
  if (queues) {
    const delayed: Job[] = await queues.account.getDelayed(0, MAX_RETRYING_JOBS - 1);
    for (const j of delayed) {
      if (j.attemptsMade === 0) continue;
      const data = (j.data ?? {}) as { connectionId?: string; account?: { accountId?: string } };
      const c = data.connectionId ? byId.get(data.connectionId) : undefined;
      const accountId = data.account?.accountId;
      if (!c || !accountId) continue;
      const retry = { attempts: j.attemptsMade, nextAttemptAt: new Date(j.timestamp + (j.delay ?? 0)).toISOString() };
      const known = c.accountProblems.find((a) => a.accountId === accountId);
      if (known) Object.assign(known, { state: 'retrying', ...retry });
      else c.accountProblems.push({ accountId, state: 'retrying', reason: j.failedReason || 'retrying', page: null, at: new Date(j.processedOn ?? j.timestamp).toISOString(), ...retry });
    }
  }
  return report;
}
