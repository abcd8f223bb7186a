/**
 * Transaction windows (contract §4): an inclusive date range of one account, at most as long as the
 * dialect allows for its kind (dialects/*.ts: Asia-Pacific 12 months for deposits and loans, 90 days
 * for cards); a longer one answers 400.
 *
 * Dates are `YYYY-MM-DD` calendar days and all arithmetic is UTC, so no time zone can shift a day.
 */

export type WindowLimit = { unit: 'months'; count: number } | { unit: 'days'; count: number };

/** A window limit, or an account kind for the Asia-Pacific rule (the limit callers used before dialects). */
export type WindowRule = WindowLimit | string;

function limitOf(rule: WindowRule): WindowLimit {
  return typeof rule === 'string' ? maxWindowFor(rule) : rule;
}

export interface DateWindow {
  from: string;
  to: string;
}

const MS_PER_DAY = 86_400_000;

/** True for a strict `YYYY-MM-DD` naming a real day (2026-02-30 is not). */
export function isCalendarDate(s: string): boolean {
  return toDay(s) !== undefined;
}

/**
 * The day number (days since 1970-01-01) of a strict `YYYY-MM-DD`, by arithmetic: every row's dates
 * pass here, and a Date per call was a visible share of a backfill's CPU. Years before 100 are
 * refused (as Date.UTC, which maps 0..99 to 1900..1999, made them).
 */
function toDay(s: string): number | undefined {
  // Read by character codes, not a regular expression and three Numbers: twice per row.
  if (s.length !== 10 || s.charCodeAt(4) !== DASH || s.charCodeAt(7) !== DASH) return undefined;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  // Days from the civil date (H. Hinnant's algorithm), March-based years.
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const DASH = 0x2d;
const ZERO = 0x30;

/** The number written by the `n` ASCII digits at `from`, or -1 if one is not a digit. */
function digitsAt(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - ZERO;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

function dayOf(s: string): number {
  const day = toDay(s);
  if (day === undefined) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(s)}`);
  return day;
}

function isoOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return isoOf(dayOf(date) + n);
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return dayOf(b) - dayOf(a);
}

/** The same day of month `n` months later, clamped to the month's end (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: string, n: number): string {
  const d = new Date(dayOf(date) * MS_PER_DAY);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const lastOfMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return isoOf(Date.UTC(y, m, Math.min(d.getUTCDate(), lastOfMonth)) / MS_PER_DAY);
}

export function monthsBefore(date: string, n: number): string {
  return addMonths(date, -n);
}

/**
 * The Asia-Pacific rule. Unknown account types get the strictest limit (90 days): a window too short
 * costs one more request, one too long costs the whole account (400).
 */
export function maxWindowFor(accountType: string): WindowLimit {
  return accountType === 'checking' || accountType === 'savings' || accountType === 'loan'
    ? { unit: 'months', count: 12 }
    : { unit: 'days', count: 90 };
}

/**
 * The last day a window starting on `from` may include. 12 months inclusive is `from` + 12 months − 1
 * day; with month-end clamping (2024-02-29 → 2025-02-27) this errs on the short side, never the long.
 */
export function lastDayOfWindow(from: string, rule: WindowRule): string {
  const limit = limitOf(rule);
  return limit.unit === 'months' ? addDays(addMonths(from, limit.count), -1) : addDays(from, limit.count - 1);
}

/** True when [from, to] is a non-empty window the API accepts under this limit (or for this Asia-Pacific kind). */
export function isWindowAllowed(from: string, to: string, rule: WindowRule): boolean {
  return from <= to && to <= lastDayOfWindow(from, rule);
}

/**
 * Cuts [from, to] into chronological, contiguous, non-overlapping windows that cover it exactly, each
 * within the API's limit and, with `windowDays`, at most that many days (small windows can be fetched
 * concurrently). An empty range (from after to) gives no windows.
 */
export function splitWindows(
  from: string,
  to: string,
  rule: WindowRule,
  opts: { windowDays?: number | undefined } = {},
): DateWindow[] {
  const end = dayOf(to);
  if (dayOf(from) > end) return [];
  const { windowDays } = opts;
  if (windowDays !== undefined && (!Number.isInteger(windowDays) || windowDays < 1)) {
    throw new RangeError(`windowDays must be a positive integer, got ${windowDays}`);
  }
  const out: DateWindow[] = [];
  let cur = from;
  for (;;) {
    let last = lastDayOfWindow(cur, rule);
    if (windowDays !== undefined) {
      const capped = addDays(cur, windowDays - 1);
      if (capped < last) last = capped;
    }
    if (last >= to) {
      out.push({ from: cur, to });
      return out;
    }
    out.push({ from: cur, to: last });
    cur = addDays(last, 1);
  }
}
