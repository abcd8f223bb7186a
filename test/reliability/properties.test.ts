/**
 * Property tests for the pure logic a sync's correctness rests on, beyond the windows and money
 * properties in test/citi/unit: mapping a Citi row to our row (signs, exactness, synthetic keys,
 * robustness against any JSON), the sync range, and text cleaning.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidFieldError, normalizeTransaction, splitWindows, SyntheticKeyCounter } from '../../src/citi/index.ts';
import { addDays, subtractMonths } from '../../src/sync/dates.ts';
import { syncRange } from '../../src/sync/plan.ts';
import { cleanText } from '../../src/citi/index.ts';

const TYPES = ['checking', 'savings', 'loan', 'creditCard', 'brokerage'] as const;
const dayArb = fc.integer({ min: 18_000, max: 22_000 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));
/** A decimal as Citi would send it: up to 12 integer digits and 0-3 decimals (≤ 15 significant digits). */
const decimalArb = fc
  .tuple(fc.integer({ min: 0, max: 999_999_999_999 }), fc.integer({ min: 0, max: 3 }))
  .map(([units, scale]) => Number((units / 10 ** scale).toFixed(scale)));

const row = (over: Record<string, unknown>) => ({
  transactionDate: '2026-11-20',
  transactionAmount: 1,
  currencyCode: 'USD',
  transactionStatus: 'POSTED',
  transactionPostingDate: '2026-11-21',
  ...over,
});
const ctx = (accountType: string, keys = new SyntheticKeyCounter()) => ({ accountId: 'A1', accountType, keys });

describe('mapping a Citi transaction (properties)', () => {
  it('keeps every amount exact and signs it by the contract (§4): memo, then type, then the sign sent', () => {
    const txTypes = [null, 'PURCHASE', 'PAYMENT', 'TRANSFER'] as const;
    fc.assert(
      fc.property(decimalArb, fc.constantFrom(...TYPES), fc.constantFrom('DEBIT', 'CREDIT', 'debit', null), fc.constantFrom(...txTypes), fc.boolean(), (amount, type, memo, txType, negative) => {
        const sent = negative ? -amount : amount;
        const t = normalizeTransaction(row({ transactionId: 'T', transactionAmount: sent, debitCreditMemo: memo, transactionType: txType }), ctx(type));
        // The digits are exactly the ones sent: no float arithmetic in between.
        expect(t.amount.replace('-', '')).toBe(String(Math.abs(sent)));
        const out = memo !== null ? memo.toUpperCase() === 'DEBIT' : txType === 'PURCHASE' ? true : txType === 'PAYMENT' ? false : sent < 0;
        expect(t.amount.startsWith('-')).toBe(sent !== 0 && out);
      }),
    );
  });

  it('never fails with anything but InvalidFieldError, whatever JSON a row holds', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.constantFrom('transactionId', 'transactionDate', 'transactionAmount', 'currencyCode', 'transactionStatus', 'transactionPostingDate', 'debitCreditMemo', 'merchantCategory', '__proto__'), fc.jsonValue()), fc.constantFrom(...TYPES), (whole, fields, type) => {
        for (const input of [whole, row(fields), { ...fields }]) {
          try {
            const t = normalizeTransaction(input, ctx(type));
            expect(typeof t.transactionId).toBe('string');
            expect(t.amount).toMatch(/^-?\d+(\.\d+)?$/);
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidFieldError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('strips NUL from every text it keeps', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\u0000', 'é', '😀', ' ') }), (s) => {
        const t = normalizeTransaction(row({ transactionId: `id${s}`, transactionDescription: s, merchantName: s }), ctx('checking'));
        for (const v of [t.transactionId, t.description, t.merchantName, JSON.stringify(t.raw)]) expect(v).not.toContain('\u0000');
      }),
    );
  });

  it('gives rows without an id keys that are stable, unique per row, and the same however the rows are paged (§6)', () => {
    const idless = fc.record({
      transactionDate: fc.constantFrom('2026-11-20', '2026-11-21'),
      transactionAmount: fc.constantFrom(5, 12.5, 99.99),
      transactionDescription: fc.constantFrom('COFFEE', 'TAXI'),
    });
    fc.assert(
      fc.property(fc.array(idless, { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (rows, pageSize) => {
        const input = rows.map((r) => row({ ...r, transactionPostingDate: null, transactionStatus: 'POSTED' }));
        const walk = () => {
          const keys = new SyntheticKeyCounter();
          return input.map((r) => normalizeTransaction(r, ctx('creditCard', keys)).transactionId);
        };
        const all = walk();
        expect(walk()).toEqual(all); // re-fetching the same data yields the same keys
        // Paged, with the counter checkpointed and restored between pages (as a resumed sync does).
        let state: unknown = null;
        const paged: string[] = [];
        for (let i = 0; i < input.length; i += pageSize) {
          const keys = state ? SyntheticKeyCounter.from(state) : new SyntheticKeyCounter();
          for (const r of input.slice(i, i + pageSize)) paged.push(normalizeTransaction(r, ctx('creditCard', keys)).transactionId);
          state = JSON.parse(JSON.stringify(keys.toJSON()));
        }
        expect(new Set(all).size).toBe(all.length);
        expect(paged).toEqual(all);
      }),
    );
  });
});

describe('the sync range (properties)', () => {
  it('ends today, never reaches before the history, and re-covers the lookback before the watermark', () => {
    fc.assert(
      fc.property(dayArb, fc.option(fc.integer({ min: -800, max: 0 }), { nil: null }), fc.boolean(), fc.integer({ min: 1, max: 36 }), fc.integer({ min: 0, max: 60 }), (today, wmOffset, full, months, lookback) => {
        const watermark = wmOffset === null ? null : addDays(today, wmOffset);
        const r = syncRange({ today, watermark, full, historyMonths: months, lookbackDays: lookback });
        const historyStart = addDays(subtractMonths(today, months), 1);
        expect(r.to).toBe(today);
        expect(r.from >= historyStart).toBe(true);
        expect(r.from <= r.to).toBe(true);
        if (full || watermark === null) expect(r.from).toBe(historyStart);
        else expect(r.from <= addDays(watermark, -lookback) || r.from === historyStart).toBe(true);
        // Every day of the range lies in exactly one window, for every account type.
        for (const type of TYPES) {
          const ws = splitWindows(r.from, r.to, type);
          expect(ws[0]?.from).toBe(r.from);
          expect(ws.at(-1)?.to).toBe(r.to);
          for (let i = 1; i < ws.length; i++) expect(ws[i]!.from).toBe(addDays(ws[i - 1]!.to, 1));
        }
      }),
    );
  });
});

describe('cleaning text for Postgres (properties)', () => {
  it('removes NUL and terminal control, repairs lone surrogates, and changes nothing else', () => {
    // eslint-disable-next-line no-control-regex
    const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const c = cleanText(s);
        expect(c).not.toMatch(control);
        expect(c.isWellFormed()).toBe(true);
        if (!control.test(s) && s.isWellFormed()) expect(c).toBe(s);
        expect(c.length).toBeLessThanOrEqual(s.length);
      }),
    );
  });
});
