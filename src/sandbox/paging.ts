/**
 * Query-parameter rules for resource calls (contract §4): dates, window length, status, page offsets.
 * Pure functions: each returns a value or the details of a 400.
 */
import { addMonths, parseDay } from './dates.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; details: string; location: string };

const bad = <T>(details: string, location: string): Parsed<T> => ({ ok: false, details, location });

export const MAX_CARD_WINDOW_DAYS = 90;
export const MAX_WINDOW_MONTHS = 12;
export const MAX_REQUEST_SIZE = 50;

export function parseWindow(p: URLSearchParams, isCard: boolean): Parsed<{ from: number; to: number }> {
  const fromRaw = p.get('transactionFromDate');
  const toRaw = p.get('transactionToDate');
  if (!fromRaw) return bad('transactionFromDate is required', 'transactionFromDate');
  if (!toRaw) return bad('transactionToDate is required', 'transactionToDate');
  const from = parseDay(fromRaw);
  const to = parseDay(toRaw);
  if (from === undefined) return bad('transactionFromDate must be a date YYYY-MM-DD', 'transactionFromDate');
  if (to === undefined) return bad('transactionToDate must be a date YYYY-MM-DD', 'transactionToDate');
  if (from > to) return bad('transactionFromDate must not be after transactionToDate', 'transactionFromDate');
  if (isCard) {
    if (to - from + 1 > MAX_CARD_WINDOW_DAYS) return bad(`the window is at most ${MAX_CARD_WINDOW_DAYS} days for credit cards`, 'transactionToDate');
  } else if (to > addMonths(from, MAX_WINDOW_MONTHS) - 1) {
    // Inclusive 12 months: 2025-11-26 .. 2026-11-25 is allowed, one more day is not.
    return bad(`the window is at most ${MAX_WINDOW_MONTHS} months`, 'transactionToDate');
  }
  return { ok: true, value: { from, to } };
}

export type StatusFilter = 'ALL' | 'PENDING' | 'POSTED';

export function parseStatus(p: URLSearchParams): Parsed<StatusFilter> {
  const s = p.get('transactionStatus') ?? 'ALL';
  if (s === 'ALL' || s === 'PENDING' || s === 'POSTED') return { ok: true, value: s };
  return bad('transactionStatus must be ALL, PENDING or POSTED', 'transactionStatus');
}

/** nextStartIndex: absent or "" = first page; otherwise the decimal offset this server handed out. */
export function parseStart(p: URLSearchParams): Parsed<{ offset: number; continued: boolean }> {
  const raw = p.get('nextStartIndex');
  if (raw === null || raw === '') return { ok: true, value: { offset: 0, continued: false } };
  if (!/^\d{1,9}$/.test(raw)) return bad('nextStartIndex is not one this server issued', 'nextStartIndex');
  return { ok: true, value: { offset: Number(raw), continued: true } };
}

export function parseRequestSize(p: URLSearchParams, pageSize: number): Parsed<number> {
  const raw = p.get('requestSize');
  if (raw === null || raw === '') return { ok: true, value: pageSize };
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_REQUEST_SIZE) return bad(`requestSize must be 1..${MAX_REQUEST_SIZE}`, 'requestSize');
  return { ok: true, value: Math.min(n, pageSize) };
}

export function nextIndex(offset: number, taken: number, total: number): string {
  return offset + taken < total ? String(offset + taken) : '';
}
