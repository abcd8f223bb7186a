import type { Queryable } from '../../db/database.ts';

export interface WindowCheckpoint {
  from: string;
  to: string;
  cursor: string | null;
  pages: number;
  seenPending: string[];
  keyState: unknown;
  /** When the checkpoint was last written (absent for a window planned by this run). */
  updatedAt?: Date;
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
    updated_at: Date;
  }>(
    `SELECT window_from, window_to, cursor, pages, seen_pending, key_state, updated_at FROM citi_sync.sync_windows
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
    updatedAt: new Date(r.updated_at),
  }));
}

/**
 * Forgets a window's progress so it is walked again from its first page (a cursor Citi rejected, or
 * one too old to trust; see checkpointBounds.ts). Rows already stored stay: the walk upserts them again.
 */
export async function restartWindow(q: Queryable, connectionId: string, accountId: string, w: { from: string; to: string }): Promise<void> {
  await q.query(
    `UPDATE citi_sync.sync_windows SET cursor = NULL, pages = 0, seen_pending = '[]'::jsonb, key_state = NULL, updated_at = now()
      WHERE connection_id = $1 AND account_id = $2 AND window_from = $3 AND window_to = $4`,
    [connectionId, accountId, w.from, w.to],
  );
}

/** Drops every open window of an account (a plan that no longer fits): the next plan starts afresh. */
export async function discardWindows(q: Queryable, connectionId: string, accountId: string): Promise<void> {
  await q.query(`DELETE FROM citi_sync.sync_windows WHERE connection_id = $1 AND account_id = $2`, [connectionId, accountId]);
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

/** Closes the windows a batch walked to the end: one statement for all of them. */
export async function closeWindows(q: Queryable, connectionId: string, accountId: string, windows: ReadonlyArray<{ from: string; to: string }>): Promise<void> {
  if (windows.length === 0) return;
  await q.query(
    `DELETE FROM citi_sync.sync_windows
      WHERE connection_id = $1 AND account_id = $2
        AND (window_from, window_to) IN (SELECT * FROM unnest($3::date[], $4::date[]))`,
    [connectionId, accountId, windows.map((w) => w.from), windows.map((w) => w.to)],
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

/** How far a batch moved one window: its last committed page's cursor, and what that batch saw. */
export interface WindowProgress {
  from: string;
  to: string;
  cursor: string;
  /** Pages of this window in the batch. */
  pages: number;
  newPending: string[];
  /** The synthetic-key counters after the window's last page in the batch; undefined: unchanged. */
  keyState: unknown;
}

/** Moves the cursors of every window a batch wrote, in one statement, inside the batch's transaction. */
export async function recordWindowProgress(q: Queryable, connectionId: string, accountId: string, progress: WindowProgress[]): Promise<void> {
  if (progress.length === 0) return;
  await q.query(
    `UPDATE citi_sync.sync_windows w
        SET cursor = p.cursor, pages = w.pages + p.pages, updated_at = now(),
            seen_pending = CASE WHEN jsonb_array_length(p.seen) = 0 THEN w.seen_pending ELSE w.seen_pending || p.seen END,
            key_state = coalesce(p.key_state, w.key_state)
       FROM jsonb_to_recordset($3::jsonb) AS p(f date, t date, cursor text, pages int, seen jsonb, key_state jsonb)
      WHERE w.connection_id = $1 AND w.account_id = $2 AND w.window_from = p.f AND w.window_to = p.t`,
    [
      connectionId,
      accountId,
      JSON.stringify(progress.map((p) => ({ f: p.from, t: p.to, cursor: p.cursor, pages: p.pages, seen: p.newPending, key_state: p.keyState ?? null }))),
    ],
  );
}

/** `sync --full`: the account's open windows are dropped and its range planned again. */
export async function forgetWindows(q: Queryable, connectionId: string, accountId: string): Promise<void> {
  await q.query(`DELETE FROM citi_sync.sync_windows WHERE connection_id = $1 AND account_id = $2`, [connectionId, accountId]);
}
