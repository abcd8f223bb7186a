import { describe, expect, it } from 'vitest';
import { addMonths, isoDay, parseDay } from '../../src/sandbox/dates.ts';
import { insertRow, lowerBound, removeRow, windowRange, type Row } from '../../src/sandbox/ledger.ts';
import { parseRequestSize, parseStart, parseWindow } from '../../src/sandbox/paging.ts';
import { Rng } from '../../src/sandbox/rng.ts';
import { T, TEMPLATES } from '../../src/sandbox/catalog.ts';
import { dayIn, marketOf } from '../../src/sandbox/market.ts';
import { decimalString } from '../../src/sandbox/holdings.ts';

const row = (day: number, seq: number): Row => ({ seq, day, post: day, amt: 1, tpl: 0, auth: 0, bal: 0, flags: 0, due: -1 });
const q = (s: string) => new URLSearchParams(s);

describe('dates', () => {
  it('parses only real calendar days and adds months clamped to the month end', () => {
    expect(parseDay('2026-02-30')).toBeUndefined();
    expect(parseDay('2026-2-3')).toBeUndefined();
    expect(isoDay(parseDay('2024-02-29')!)).toBe('2024-02-29');
    expect(isoDay(addMonths(parseDay('2026-01-31')!, 1))).toBe('2026-02-28');
  });
});

describe('ledger', () => {
  it('keeps (day, seq) order on inserts near the tail and far from it, and finds windows', () => {
    const rows: Row[] = [];
    for (let i = 0; i < 200; i++) insertRow(rows, row(100 + Math.floor(i / 2), i));
    insertRow(rows, row(101, 1000)); // far from the tail
    insertRow(rows, row(199, 1001));
    const keys = rows.map((r) => r.day * 1e6 + r.seq);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(rows[lowerBound(rows, 101)]!.day).toBe(101);
    const [lo, hi] = windowRange(rows, 101, 101);
    expect(rows.slice(lo, hi).map((r) => r.seq)).toEqual([2, 3, 1000]);
    expect(removeRow(rows, rows[lo + 2]!)).toBe(true);
    expect(rows).toHaveLength(201);
  });
});

describe('paging rules', () => {
  const today = parseDay('2026-11-25')!;
  const SG = marketOf('SG');
  const US = marketOf('US');
  const code = (r: ReturnType<typeof parseWindow>) => (r.ok ? 'ok' : r.code);

  it('Asia-Pacific: 12 months back, 12 months inclusive for deposits, 90 days for cards', () => {
    expect(code(parseWindow(q('transactionFromDate=2025-11-26&transactionToDate=2026-11-25'), today, SG, false))).toBe('ok');
    expect(code(parseWindow(q('transactionFromDate=2025-11-25&transactionToDate=2026-11-24'), today, SG, false))).toBe('invalidRequest');
    expect(code(parseWindow(q('transactionFromDate=2026-08-28&transactionToDate=2026-11-25'), today, SG, true))).toBe('ok');
    expect(code(parseWindow(q('transactionFromDate=2026-08-27&transactionToDate=2026-11-25'), today, SG, true))).toBe('invalidRequest');
    expect(code(parseWindow(q('transactionFromDate=2026-11-01&transactionToDate=2026-11-26'), today, SG, false))).toBe('tranxToDateAfterCurrDate');
  });

  it('US: unlimited windows within 24 months, one code per broken rule [spec]', () => {
    expect(code(parseWindow(q('transactionFromDate=2024-11-26&transactionToDate=2026-11-25'), today, US, true))).toBe('ok');
    expect(code(parseWindow(q('transactionFromDate=2024-11-25&transactionToDate=2026-11-25'), today, US, false))).toBe('tranxFromDate2YrsPriorToCurrDate');
    expect(code(parseWindow(q('transactionFromDate=2026-11-01&transactionToDate=2026-11-26'), today, US, false))).toBe('tranxToDateAfterCurrDate');
    expect(code(parseWindow(q('transactionFromDate=2026-11-02&transactionToDate=2026-11-01'), today, US, false))).toBe('transactionFromToDateComboInvalid');
    expect(code(parseWindow(q('transactionFromDate=20261101&transactionToDate=2026-11-01'), today, US, false))).toBe('invalidTransactionFromDate');
    expect(code(parseWindow(q('transactionFromDate=2026-11-01&transactionToDate=2026-13-01'), today, US, false))).toBe('invalidTransactionToDate');
    expect(code(parseWindow(q('transactionFromDate=2026-11-01'), today, US, false))).toBe('invalidRequest');
  });

  it("the bank's current date is the market's: 02:00 UTC is still yesterday in New York, already today in Singapore", () => {
    const at = Date.parse('2026-11-26T02:00:00Z');
    expect(isoDay(dayIn(US.timeZone, at))).toBe('2026-11-25');
    expect(isoDay(dayIn(SG.timeZone, at))).toBe('2026-11-26');
  });

  it('markets: token path, array key and id field per country', () => {
    expect([US.tokenPath, SG.tokenPath, marketOf('in').tokenPath]).toEqual(['/authCode/oauth2/token/us/gcb', '/authCode/oauth2/token/sg/gcb', '/authCode/oauth2/token/in/gcb']);
    expect([US, SG, marketOf('IN'), marketOf('HK')].map((m) => m.transactionsKey('CREDIT_CARD'))).toEqual([
      'creditCardAccountTransactions', 'transaction', 'transactions', 'creditCardAccountTransactions',
    ]);
    expect(marketOf('IN').idField).toBe('transactionReferenceId');
    expect(() => marketOf('USA')).toThrow(/two-letter/);
  });

  it('decimal strings are exact with every decimal', () => {
    expect([decimalString(364315072, 2), decimalString(5, 2), decimalString(-1250, 2), decimalString(7, 0), decimalString(1, 3)]).toEqual([
      '3643150.72', '0.05', '-12.50', '7', '0.001',
    ]);
  });

  it('offsets and request sizes', () => {
    expect(parseStart(q(''))).toEqual({ ok: true, value: { offset: 0, continued: false } });
    expect(parseStart(q('nextStartIndex=50'))).toEqual({ ok: true, value: { offset: 50, continued: true } });
    expect(parseStart(q('nextStartIndex=-1')).ok).toBe(false);
    expect(parseRequestSize(q('requestSize=10'), 50)).toEqual({ ok: true, value: 10 });
    expect(parseRequestSize(q('requestSize=51'), 50).ok).toBe(false);
  });
});

describe('rng and catalog', () => {
  it('is reproducible from a seed', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    expect(Array.from({ length: 5 }, () => a.int(0, 1e6))).toEqual(Array.from({ length: 5 }, () => b.int(0, 1e6)));
  });

  it('named templates point at the templates they name', () => {
    expect(TEMPLATES[T.netflix]!.desc).toBe('NETFLIX.COM');
    expect(TEMPLATES[T.payroll]!.desc).toBe('ACME CORP PAYROLL');
    expect(TEMPLATES[T.mobileDeposit]!.desc).toBe('MOBILE DEPOSIT');
    expect(TEMPLATES[T.extraPrincipal]!.desc).toBe('ADDITIONAL PRINCIPAL PAYMENT');
    expect(TEMPLATES[T.closeIn]!.credit).toBe(true);
  });
});
