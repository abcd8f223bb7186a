import { ConnectionUnusableError } from '../../auth/errors.ts';
import type { Queryable } from '../../db/database.ts';
import { isSqlState } from '../../db/sqlstate.ts';
import type { AccountResult, ConnectionRunStatus, SyncTrigger } from '../types.ts';

/** The audit trail: one row per connection run, and one per account under it. */
export async function startRun(
  q: Queryable,
  r: { connectionId: string; accountId?: string | null; parentId?: string | null; trigger: SyncTrigger; jobId?: string | null },
): Promise<string> {
  try {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO citi_sync.sync_runs (connection_id, account_id, parent_id, trigger, job_id, status, started_at)
       VALUES ($1, $2, $3, $4, $5, 'running', now()) RETURNING id`,
      [r.connectionId, r.accountId ?? null, r.parentId ?? null, r.trigger, r.jobId ?? null],
    );
    return rows[0]!.id;
  } catch (err) {
    // Every run starts here, after its lock: a connection purged meanwhile (`connection remove
    // --purge` holds the same locks while it deletes) is a connection gone, not a database failure.
    if (isSqlState(err, 'foreign_key_violation')) {
      throw new ConnectionUnusableError(r.connectionId, 'removed', 'it was deleted (connection remove --purge) before this sync could start', { cause: err });
    }
    throw err;
  }
}

export async function finishAccountRun(q: Queryable, runId: string, r: AccountResult): Promise<void> {
  await q.query(
    `UPDATE citi_sync.sync_runs SET status = $2, finished_at = now(), requests = $3, pages = $4,
       rows_inserted = $5, rows_updated = $6, rows_unchanged = $7, rows_removed = $8, rows_restored = $9,
       error = $10, error_page = $11
     WHERE id = $1`,
    [runId, r.status, r.requests, r.pages, r.inserted, r.updated, r.unchanged, r.removed, r.restored, r.error ?? null, r.errorPage ?? null],
  );
}

/** Closes a connection-level run with the sums of its account rows. */
export async function finishConnectionRun(q: Queryable, runId: string, status: ConnectionRunStatus, error: string | null, requests: number): Promise<void> {
  await q.query(
    `UPDATE citi_sync.sync_runs r SET status = $2, error = $3, finished_at = now(),
       requests = $4 + coalesce(s.requests, 0), pages = coalesce(s.pages, 0),
       rows_inserted = coalesce(s.ins, 0), rows_updated = coalesce(s.upd, 0), rows_unchanged = coalesce(s.unch, 0),
       rows_removed = coalesce(s.rem, 0), rows_restored = coalesce(s.res, 0)
     FROM (SELECT sum(requests)::int AS requests, sum(pages)::int AS pages, sum(rows_inserted)::int AS ins,
                  sum(rows_updated)::int AS upd, sum(rows_unchanged)::int AS unch, sum(rows_removed)::int AS rem,
                  sum(rows_restored)::int AS res
             FROM citi_sync.sync_runs WHERE parent_id = $1) s
     WHERE r.id = $1`,
    [runId, status, error, requests],
  );
}

const INTERRUPTED = 'interrupted: the process stopped before this run finished; the next run resumed from its checkpoint';

/**
 * Closes the run records a killed process left `running`. Called by whoever holds the lock the dead
 * run held (an account's, or an in-process sync's connection lock), so that run cannot be alive.
 * At connection level only in-process runs (no job id) are closed: a worker run is alive while its
 * job exists, whoever holds the lock (see closeOrphanedWorkerRuns).
 */
export async function closeInterruptedRuns(q: Queryable, connectionId: string, accountId: string | null): Promise<number> {
  const { rowCount } = accountId
    ? await q.query(
        `UPDATE citi_sync.sync_runs SET status = 'failed', error = $3, finished_at = now()
          WHERE connection_id = $1 AND account_id = $2 AND status = 'running'`,
        [connectionId, accountId, INTERRUPTED],
      )
    : await q.query(
        `UPDATE citi_sync.sync_runs SET status = 'failed', error = $2, finished_at = now()
          WHERE connection_id = $1 AND account_id IS NULL AND status = 'running' AND job_id IS NULL`,
        [connectionId, INTERRUPTED],
      );
  return rowCount;
}

/**
 * Appends lines to a run's warnings (what it noticed without failing), each once: a retried job that
 * notices the same thing again does not repeat it.
 */
export async function addRunWarnings(q: Queryable, runId: string, warnings: readonly string[]): Promise<void> {
  if (warnings.length === 0) return;
  await q.query(
    `UPDATE citi_sync.sync_runs r
        SET warnings = r.warnings || coalesce((SELECT jsonb_agg(w) FROM jsonb_array_elements($2::jsonb) w
                                                WHERE NOT r.warnings @> jsonb_build_array(w)), '[]'::jsonb)
      WHERE r.id = $1`,
    [runId, JSON.stringify([...new Set(warnings)])],
  );
}

/** The BullMQ job behind a worker run: `accountId` null is a connection job, else an account job. */
export interface RunJob {
  runId: string;
  jobId: string;
  accountId: string | null;
}

/**
 * Closes, as interrupted, the `running` worker runs whose job `exists` says is gone (Redis lost its
 * data, or the job was removed): no worker will ever close them. A run whose job still exists is
 * left alone, however old. An account processor still running on a vanished job overwrites the
 * row with its real result when it finishes (finishAccountRun sets every column).
 */
export async function closeOrphanedWorkerRuns(
  q: Queryable,
  exists: (job: RunJob) => Promise<boolean>,
  connectionId?: string,
): Promise<number> {
  const { rows } = await q.query<{ id: string; job_id: string; account_id: string | null }>(
    `SELECT id, job_id, account_id FROM citi_sync.sync_runs
      WHERE status = 'running' AND job_id IS NOT NULL AND ($1::text IS NULL OR connection_id = $1)
      ORDER BY started_at`,
    [connectionId ?? null],
  );
  const gone: string[] = [];
  for (const r of rows) if (!(await exists({ runId: r.id, jobId: r.job_id, accountId: r.account_id }))) gone.push(r.id);
  if (gone.length === 0) return 0;
  const { rowCount } = await q.query(
    `UPDATE citi_sync.sync_runs SET status = 'failed', error = $2, finished_at = now()
      WHERE id = ANY ($1::uuid[]) AND status = 'running'`,
    [gone, INTERRUPTED_JOB_GONE],
  );
  return rowCount;
}

const INTERRUPTED_JOB_GONE = 'interrupted: its queue job no longer exists (Redis lost it, or it was removed); the next run resumed from its checkpoint';
