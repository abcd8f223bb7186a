import type { Queryable } from '../../db/database.ts';

export interface WindowCheckpoint {
  from: string;
  to: string;
  cursor: string | null;
  pages: number;
  seenPending: string[];
  keyState: unknown;
}

export interface AccountSyncState {
  watermark: string | null;
  plannedTo: string | null;
}

export async function readSyncState(q: Queryable, connectionId: string, accountId: string): Promise<AccountSyncState> {
  const { rows } = await q.query<{ watermark: string | null; last_window_to: string | null }>(
    `SELECT watermark, last_window_to FROM citi_sync.sync_state WHERE connection_id = $1 AND account_id = $2`,
    [connectionId, accountId],
  );
  return { watermark: rows[0]?.watermark ?? null, plannedTo: rows[0]?.last_window_to ?? null };
}

export async function openWindows(q: Queryable, connectionId: string, accountId: string): Promise<WindowCheckpoint[]> {
  const { rows } = await q.query<{
    window_from: string;
    window_to: string;
    cursor: string | null;
    pages: number;
    seen_pending: string[];
    key_state: unknown;
  }>(
    `SELECT window_from, window_to, cursor, pages, seen_pending, key_state FROM citi_sync.sync_windows
      WHERE connection_id = $1 AND account_id = $2 ORDER BY window_from`,
    [connectionId, accountId],
  );
  return rows.map((r) => ({
    from: r.window_from,
    to: r.window_to,
    cursor: r.cursor,
    pages: r.pages,
    seenPending: r.seen_pending ?? [],
    keyState: r.key_state,
  }));
}

/** Records the plan of a sync before its first page, so a crash resumes the same windows. */
export async function planWindows(
  q: Queryable,
  connectionId: string,
  accountId: string,
  windows: Array<{ from: string; to: string }>,
  range: { from: string; to: string },
): Promise<void> {
  await q.query(
    `INSERT INTO citi_sync.sync_windows (connection_id, account_id, window_from, window_to)
     SELECT $1, $2, w.f, w.t FROM jsonb_to_recordset($3::jsonb) AS w(f date, t date)
     ON CONFLICT DO NOTHING`,
    [connectionId, accountId, JSON.stringify(windows.map((w) => ({ f: w.from, t: w.to })))],
  );
  await q.query(
    `INSERT INTO citi_sync.sync_state (connection_id, account_id, last_window_from, last_window_to, updated_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (connection_id, account_id) DO UPDATE
       SET last_window_from = excluded.last_window_from, last_window_to = excluded.last_window_to, updated_at = now()`,
    [connectionId, accountId, range.from, range.to],
  );
}

export async function closeWindow(q: Queryable, connectionId: string, accountId: string, w: { from: string; to: string }): Promise<void> {
  await q.query(
    `DELETE FROM citi_sync.sync_windows WHERE connection_id = $1 AND account_id = $2 AND window_from = $3 AND window_to = $4`,
    [connectionId, accountId, w.from, w.to],
  );
}

/**
 * Moves the watermark to the end of the plan once no window of it is left open. Runs in the
 * transaction that closed the last window, so the watermark never passes a window that failed.
 */
export async function advanceWatermarkIfComplete(q: Queryable, connectionId: string, accountId: string): Promise<boolean> {
  // Windows of one account close concurrently (windowConcurrency). Under READ COMMITTED, two
  // transactions closing the last two windows would each still see the other's window and neither
  // would move the watermark (found by the crash chaos run). The row lock orders them: whoever takes
  // it second runs the UPDATE below in a fresh snapshot that sees the first one's committed DELETE.
  await q.query(`SELECT 1 FROM citi_sync.sync_state WHERE connection_id = $1 AND account_id = $2 FOR UPDATE`, [connectionId, accountId]);
  const { rowCount } = await q.query(
    `UPDATE citi_sync.sync_state SET watermark = last_window_to, last_completed_at = now(), updated_at = now()
      WHERE connection_id = $1 AND account_id = $2
        AND NOT EXISTS (SELECT 1 FROM citi_sync.sync_windows WHERE connection_id = $1 AND account_id = $2)`,
    [connectionId, accountId],
  );
  return rowCount > 0;
}

/** `sync --full`: the account's open windows are dropped and its range planned again. */
export async function forgetWindows(q: Queryable, connectionId: string, accountId: string): Promise<void> {
  await q.query(`DELETE FROM citi_sync.sync_windows WHERE connection_id = $1 AND account_id = $2`, [connectionId, accountId]);
}
