import { createHash } from 'node:crypto';
import { CitiError, snippetOf } from './errors.ts';

/**
 * The bound on one paged walk (issue 10 item 4): Citi's cursors are opaque, so nothing but memory
 * tells a loop from progress. A cursor that alternates (A → B → A) or one that keeps changing
 * forever made 1,194 requests in two minutes. Every cursor of a walk is remembered (a repeat ends the
 * walk), and a page cap ends a walk that never repeats. Pure: the paging loop calls `accept` with each
 * `nextStartIndex` it is about to follow.
 */

/** Contract §4: the most rows a page holds. */
export const CONTRACT_PAGE_SIZE = 50;
/**
 * Rows per day we are ready to page through: about ten times a very busy retail account. A window
 * with more than this is taken for a loop, not data.
 */
export const MAX_ROWS_PER_DAY = 50;
/** Pages allowed on top of the estimate (short pages, a server that pages by less than its maximum). */
export const PAGE_MARGIN = 100;
/** Accounts and statement lists are not windows: a flat cap. */
export const MAX_LIST_PAGES = 1000;

/** The page cap of a window of `days` days: ceil(days × MAX_ROWS_PER_DAY / pageSize) + PAGE_MARGIN. */
export function pageCapForWindow(days: number, pageSize = CONTRACT_PAGE_SIZE): number {
  return Math.ceil((Math.max(1, days) * MAX_ROWS_PER_DAY) / Math.max(1, pageSize)) + PAGE_MARGIN;
}

/** Citi's paging did not end: a cursor came back, or the walk passed its page cap. Sync the other accounts. */
export class PagingLoopError extends CitiError {
  override readonly name: string = 'PagingLoopError';
  readonly action = 'skip-account' as const;
  /** Distinct cursors this walk had followed when it was stopped. */
  readonly cursors: number;

  constructor(message: string, init: { path: string; cursors: number }) {
    super(message, { path: init.path, code: 'pagingLoop' });
    this.cursors = init.cursors;
  }
}

/** Cursors longer than this are remembered by their SHA-256, so memory stays bounded by the page cap. */
const KEEP_VERBATIM = 64;

export class PageGuard {
  private readonly seen = new Set<string>();
  private pages = 1;

  /**
   * @param path the walk's request path (for the error), without the cursor
   * @param maxPages pages allowed in this walk, the first included
   * @param startCursor the cursor the walk starts at, when it resumes a checkpoint
   */
  constructor(
    private readonly path: string,
    private readonly maxPages: number,
    startCursor?: string | null,
  ) {
    if (startCursor) this.seen.add(keyOf(startCursor));
  }

  /** Call with the cursor about to be followed (null: the walk ended). Throws PagingLoopError. */
  accept(cursor: string | null): void {
    if (cursor === null || cursor === '') return;
    const key = keyOf(cursor);
    if (this.seen.has(key)) {
      throw new PagingLoopError(
        `Citi's paging looped on ${this.path}: cursor ${snippetOf(cursor)} came back after ${this.seen.size} distinct cursors`,
        { path: this.path, cursors: this.seen.size },
      );
    }
    if (++this.pages > this.maxPages) {
      throw new PagingLoopError(
        `Citi's paging did not end on ${this.path}: more than ${this.maxPages} pages (${this.seen.size} distinct cursors), the most this walk may take`,
        { path: this.path, cursors: this.seen.size },
      );
    }
    this.seen.add(key);
  }
}

function keyOf(cursor: string): string {
  return cursor.length <= KEEP_VERBATIM ? `=${cursor}` : `#${createHash('sha256').update(cursor).digest('base64')}`;
}
