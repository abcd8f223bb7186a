import { connectionState } from '../../db/connections.ts';
import type { Queryable } from '../../db/database.ts';
import type { ClosedRun } from '../event.ts';

/**
 * The connection's run `runId` (default: its latest) if it has closed, with what an event needs:
 * the previous closed run's status, the connection's state, and the accounts that failed in it.
 */
export async function closedRun(q: Queryable, connectionId: string, runId?: string): Promise<ClosedRun | undefined> {
  const { rows } = await q.query<{
    id: string;
    status: string;
    error: string | null;
    finished_at: Date | null;
    previous_status: string | null;
  }>(
    `SELECT r.id, r.status, r.error, r.finished_at,
            (SELECT p.status FROM citi_sync.sync_runs p
              WHERE p.connection_id = r.connection_id AND p.account_id IS NULL AND p.id <> r.id
                AND p.finished_at IS NOT NULL AND p.started_at < r.started_at
              ORDER BY p.started_at DESC LIMIT 1) AS previous_status
       FROM citi_sync.sync_runs r
      WHERE r.connection_id = $1 AND r.account_id IS NULL AND ($2::uuid IS NULL OR r.id = $2::uuid)
      ORDER BY r.started_at DESC LIMIT 1`,
    [connectionId, runId ?? null],
  );
  const r = rows[0];
  if (!r || !r.finished_at || r.status === 'running') return undefined;
  // The connection's state comes from its one owner (src/db/connections.ts); a purged one is 'removed'.
  const connection = await connectionState(q, connectionId);
  const failed = await q.query<{ account_id: string; error: string | null; status: string }>(
    `SELECT DISTINCT ON (account_id) account_id, error, status FROM citi_sync.sync_runs
      WHERE parent_id = $1 ORDER BY account_id, started_at DESC`,
    [r.id],
  );
  return {
    connectionId,
    runId: r.id,
    status: r.status,
    error: r.error,
    finishedAt: r.finished_at,
    previousStatus: r.previous_status,
    connectionStatus: connection?.status ?? 'removed',
    connectionReason: connection?.statusReason ?? null,
    failedAccounts: failed.rows.filter((a) => a.status === 'failed').map((a) => ({ accountId: a.account_id, reason: a.error ?? 'failed' })),
  };
}
