/**
 * Query-parameter rules for resource calls (contract §4): dates, window length, status, page offsets.
 * Pure functions: each returns a value or the details of a 400.
 */
import { addMonths, isoDay, parseDay } from './dates.ts';
import type { Market } from './market.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; details: string; location: string };

const bad = <T>(details: string, location: string): Parsed<T> => ({ ok: false, details, location });

export const MAX_REQUEST_SIZE = 50;

/** A 400 with the code the market uses for it (US v2 has one per rule; Asia-Pacific says invalidRequest). */
export type WindowParsed = { ok: true; value: { from: number; to: number } } | { ok: false; details: string; location: string; code: string };

/**
 * The window rules of a market (contract §4): both dates required; the from-date at most
 * `historyMonths` before the bank's current date `today`, the to-date not after it; Asia-Pacific
 * windows at most 12 months, card windows at most 90 days. US v2 answers each broken rule with its
 * own code [spec]; Asia-Pacific with invalidRequest, except the two range codes of the table in §2.
 */
export function parseWindow(p: URLSearchParams, today: number, market: Market, isCard: boolean): WindowParsed {
  const us = market.dialect === 'us-v2';
  const fail = (details: string, location: string, usCode: string, apacCode = 'invalidRequest'): WindowParsed => ({
    ok: false, details, location, code: us ? usCode : apacCode,
  });
  const fromRaw = p.get('transactionFromDate');
  const toRaw = p.get('transactionToDate');
  if (!fromRaw) return fail('transactionFromDate is required', 'transactionFromDate', 'invalidRequest');
  if (!toRaw) return fail('transactionToDate is required', 'transactionToDate', 'invalidRequest');
  const from = parseDay(fromRaw);
  const to = parseDay(toRaw);
  if (from === undefined) return fail('transactionFromDate must be a date YYYY-MM-DD', 'transactionFromDate', 'invalidTransactionFromDate');
  if (to === undefined) return fail('transactionToDate must be a date YYYY-MM-DD', 'transactionToDate', 'invalidTransactionToDate');
  if (from > to) return fail('transactionFromDate must not be after transactionToDate', 'transactionFromDate', 'transactionFromToDateComboInvalid');
  if (to > today) {
    return fail(`Transaction to date should not be after current date (${isoDay(today)}, ${market.timeZone}).`, 'transactionToDate', 'tranxToDateAfterCurrDate', 'tranxToDateAfterCurrDate');
  }
  // Exactly N months back is already too far ("should not be 24 months prior"): N months inclusive end today.
  if (from <= addMonths(today, -market.historyMonths)) {
    return us
      ? fail('Transaction from date should not be 24 months prior to current date.', 'transactionFromDate', 'tranxFromDate2YrsPriorToCurrDate')
      : fail(`transactionFromDate is more than ${market.historyMonths} months before the current date`, 'transactionFromDate', '');
  }
  if (isCard && market.cardWindowDays !== null && to - from + 1 > market.cardWindowDays) {
    return fail(`the window is at most ${market.cardWindowDays} days for credit cards`, 'transactionToDate', 'invalidRequest');
  }
  // Inclusive 12 months: 2025-11-26 .. 2026-11-25 is allowed, one more day is not.
  if (market.windowMonths !== null && to > addMonths(from, market.windowMonths) - 1) {
    return fail(`the window is at most ${market.windowMonths} months`, 'transactionToDate', 'invalidRequest');
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
