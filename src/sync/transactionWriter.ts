/**
 * The writer of one account: takes the pages its window walks fetched (src/sync/pageQueue.ts) and
 * commits them in batches. One batch is one transaction: every row of its pages COPY-staged and
 * merged in one statement, the cursor of every window it advanced, and the close of every window
 * whose last page it holds (vanished pendings marked removed, watermark moved when the plan is done).
 * A crash therefore loses nothing and re-fetches at most the pages of one batch.
 */
import type { Database } from '../db/database.ts';
import { copyLines, type EncodedRows, type StageInput } from './copyRows.ts';
import type { PageQueue } from './pageQueue.ts';
import { advanceWatermarkIfComplete, closeWindows, recordWindowProgress, type WindowProgress } from './sql/checkpoints.ts';
import { markVanishedPendings, writeEncodedBatch } from './sql/transactions.ts';
import { emptyCounts, type RowCounts } from './types.ts';

/** One fetched page of one window, as a walker hands it over. */
export interface FetchedPage {
  window: { from: string; to: string };
  /** The page's rows, encoded for the stage when they were fetched (copyRows.ts). */
  rows: EncodedRows;
  /** The cursor after this page; null: it was the window's last page. */
  nextStartIndex: string | null;
  /** Pending ids first seen on this page (for the window's checkpoint). */
  newPending: string[];
  /** Synthetic-key counters right after this page was read; undefined when the window has none. */
  keyState: unknown;
  /** On the last page: every pending id the window showed, the ones that vanished are the others. */
  seenPending?: string[];
}

export interface BatchSettings {
  /** Rows a batch waits for before it is written (unless the walks are done or `lingerMs` passed). */
  minRows: number;
  /** Rows at most in one batch (whole pages: a batch can pass it by one page). */
  maxRows: number;
  /** How long a batch waits for `minRows` once its first page is there. */
  lingerMs: number;
}

/**
 * A merge's cost per row is the row's heap and index writes once a batch holds a thousand rows or
 * so; bigger batches gain little and hold more in memory (each account keeps up to 2 × maxRows rows:
 * a batch being written and the queue filling behind it). At 4,000 the 100k-row medium backfill
 * peaked at 204 MB RSS, against 165 MB for the per-page writer.
 */
export const DEFAULT_BATCH: BatchSettings = { minRows: 1_000, maxRows: 2_000, lingerMs: 100 };

/**
 * Characters of a row's COPY text counted as one row of weight. An ordinary row (a few hundred
 * characters) weighs 1, so batches and the queue are bounded in rows as before; a row carrying a long
 * text weighs more. Rows alone did not bound memory: pages of 50 rows of 300,000 characters each
 * (every page within CITI_MAX_BODY_BYTES) made a 2,000-row batch whose COPY text passed V8's longest
 * string (RangeError: Invalid string length), so the account failed on every run, holding ~2 GB.
 */
export const CHARS_PER_ROW_WEIGHT = 4096;

/**
 * A fetched page's weight in the queue and in batches: its rows, or the length of its COPY text (a
 * row's text twice: in its columns and in its raw JSON) in CHARS_PER_ROW_WEIGHT units, whichever is more.
 */
export function pageWeight(rows: EncodedRows): number {
  return Math.max(1, rows.ids.length, Math.ceil(rows.text.length / CHARS_PER_ROW_WEIGHT));
}

export interface BatchWritten extends RowCounts {
  pages: FetchedPage[];
}

/** Commits one batch; the caller's queue has already taken its pages. */
export async function writeBatch(db: Database, connectionId: string, accountId: string, pages: FetchedPage[]): Promise<BatchWritten> {
  const { rows, repeats } = uniqueRows(pages);
  const progress = new Map<string, WindowProgress>();
  const closing: FetchedPage[] = [];
  for (const p of pages) {
    const key = `${p.window.from}|${p.window.to}`;
    if (p.nextStartIndex === null) {
      closing.push(p);
      progress.delete(key);
      continue;
    }
    const w = progress.get(key) ?? { from: p.window.from, to: p.window.to, cursor: p.nextStartIndex, pages: 0, newPending: [], keyState: undefined };
    w.cursor = p.nextStartIndex;
    w.pages += 1;
    w.newPending.push(...p.newPending);
    if (p.keyState !== undefined) w.keyState = p.keyState;
    progress.set(key, w);
  }
  return db.transaction(async (tx) => {
    const counts = await writeEncodedBatch(tx, connectionId, accountId, rows, repeats);
    await recordWindowProgress(tx, connectionId, accountId, [...progress.values()]);
    // The windows are complete: only now can absence mean "gone" and can the watermark move.
    const removed = await markVanishedPendings(tx, connectionId, accountId, closing.map((p) => ({ ...p.window, seenPending: p.seenPending ?? [] })));
    await closeWindows(tx, connectionId, accountId, closing.map((p) => p.window));
    if (closing.length > 0) await advanceWatermarkIfComplete(tx, connectionId, accountId);
    return { ...emptyCounts(), ...counts, removed, pages };
  });
}

/**
 * The batch's rows, each id once, the last copy winning: live offsets repeat rows, and ON CONFLICT
 * may touch a row only once. Without a repeat (nearly always) they are the pages' texts as they are.
 */
export function uniqueRows(pages: readonly FetchedPage[]): { rows: StageInput; repeats: number } {
  const seen = new Set<string>();
  let total = 0;
  for (const p of pages) {
    for (const id of p.rows.ids) seen.add(id);
    total += p.rows.ids.length;
  }
  if (seen.size === total) return { rows: { rows: total, pieces: pages.map((p) => p.rows.text) }, repeats: 0 };
  const lines = new Map<string, string>();
  for (const p of pages) {
    const own = copyLines(p.rows.text);
    p.rows.ids.forEach((id, i) => lines.set(id, own[i]!));
  }
  return { rows: { rows: lines.size, pieces: [[...lines.values()].join('')] }, repeats: total - lines.size };
}

/**
 * Writes batches until the queue is closed and drained. A failed batch fails the queue (the walks
 * stop at their next hand-over) and rethrows.
 */
export async function drainPages(
  db: Database,
  connectionId: string,
  accountId: string,
  queue: PageQueue<FetchedPage>,
  settings: BatchSettings,
  onBatch: (b: BatchWritten) => void,
): Promise<void> {
  for (;;) {
    const pages = await queue.take(settings.minRows, settings.maxRows, settings.lingerMs);
    if (pages.length === 0) return;
    try {
      onBatch(await writeBatch(db, connectionId, accountId, pages));
    } catch (err) {
      queue.fail(err);
      throw err;
    }
  }
}
