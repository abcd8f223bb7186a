/**
 * One account's transactions: a plain array sorted ascending by (transactionDate, seq). The API pages
 * newest first, so page offsets count back from the end of a date window found by binary search;
 * a page costs O(log n + page size) however long the history is.
 *
 * Rows are small objects of numbers (no strings): one million of them must fit comfortably in memory.
 * Strings (ids, descriptions, dates) are derived when a row is serialized.
 */

export interface Row {
  /** Per-account sequence number; ids derive from it, so a posted row gets a NEW id when it replaces a pending one. */
  seq: number;
  /** transactionDate as a day number. */
  day: number;
  /** transactionPostingDate as a day number; -1 while pending. */
  post: number;
  /** Magnitude in the account currency's minor units (always > 0); the sign comes from the template. */
  amt: number;
  /** Index into TEMPLATES. */
  tpl: number;
  /** Authorisation code as a number (0 = none). */
  auth: number;
  /** Running balance after posting, minor units (shown for posted deposit rows only; an int, never NaN, so V8 keeps it unboxed). */
  bal: number;
  flags: number;
  /** Pending rows: the day it posts or vanishes. */
  due: number;
}

export const FLAG_EXTRA_FIELD = 1; // carries an unknown field the client must keep
export const FLAG_CORRECTED = 2; // the bank corrected it in place
export const FLAG_VANISH = 4; // pending that expires without posting
export const FLAG_DROP_AUTH = 8; // posts without carrying the pending's authorisation code

/** First index whose day is >= `day`. */
export function lowerBound(rows: readonly Row[], day: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.day < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts keeping (day, seq) order. New rows are recent, so this touches only the array's tail. */
export function insertRow(rows: Row[], row: Row): void {
  let i = rows.length;
  while (i > 0) {
    const prev = rows[i - 1]!;
    if (prev.day < row.day || (prev.day === row.day && prev.seq < row.seq)) break;
    i--;
    if (rows.length - i > 64) {
      // Far from the tail (an old-dated insert): binary search instead of walking.
      i = lowerBound(rows, row.day + 1);
      while (i > 0 && rows[i - 1]!.day === row.day && rows[i - 1]!.seq > row.seq) i--;
      break;
    }
  }
  if (i === rows.length) rows.push(row);
  else rows.splice(i, 0, row);
}

export function removeRow(rows: Row[], row: Row): boolean {
  const start = lowerBound(rows, row.day);
  for (let i = start; i < rows.length && rows[i]!.day === row.day; i++) {
    if (rows[i] === row) {
      rows.splice(i, 1);
      return true;
    }
  }
  return false;
}

/** Index range [lo, hi) of rows dated within [from, to] inclusive. */
export function windowRange(rows: readonly Row[], from: number, to: number): [number, number] {
  return [lowerBound(rows, from), lowerBound(rows, to + 1)];
}
