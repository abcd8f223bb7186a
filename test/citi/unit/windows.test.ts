import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  daysBetween,
  isCalendarDate,
  isWindowAllowed,
  lastDayOfWindow,
  maxWindowFor,
  monthsBefore,
  splitWindows,
} from '../../../src/citi/index.ts';

const TYPES = ['checking', 'savings', 'loan', 'creditCard', 'brokerage'] as const;

/** Any day from 2000 to 2039 as YYYY-MM-DD. */
const dateArb = fc.integer({ min: 10957, max: 25567 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));

describe('date arithmetic (UTC)', () => {
  it('addDays crosses months, years and leap days', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('monthsBefore clamps to the month end', () => {
    expect(monthsBefore('2026-11-25', 24)).toBe('2024-11-25');
    expect(monthsBefore('2026-03-31', 1)).toBe('2026-02-28');
    expect(monthsBefore('2024-03-31', 1)).toBe('2024-02-29');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
  });

  it('rejects dates that are not calendar days', () => {
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-2-3')).toBe(false);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });

  it('reads only ASCII digits in exactly YYYY-MM-DD (the character-code reader)', () => {
    for (const bad of ['', ' 2026-11-12', '2026-11-12 ', '2026/11/12', '2026-1a-12', '2026-11-1\u0000', '٢٠٢٦-١١-١٢', '2026-00-10', '2026-13-01', '2026-11-00', '2026-04-31', '2100-02-29', '0099-12-31', '+202-11-12', '-202-11-12']) {
      expect(isCalendarDate(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ['0100-01-01', '2000-02-29', '9999-12-31', '1970-01-01']) expect(isCalendarDate(good), good).toBe(true);
    expect(addDays('1969-12-31', 1)).toBe('1970-01-01');
    expect(daysBetween('2000-02-28', '2000-03-01')).toBe(2);
  });
});

describe('maxWindowFor / lastDayOfWindow', () => {
  it('12 months inclusive for checking, savings and loans; 90 days for cards', () => {
    expect(maxWindowFor('checking')).toEqual({ unit: 'months', count: 12 });
    expect(maxWindowFor('creditCard')).toEqual({ unit: 'days', count: 90 });
    expect(lastDayOfWindow('2025-11-26', 'checking')).toBe('2026-11-25');
    expect(lastDayOfWindow('2026-01-01', 'savings')).toBe('2026-12-31');
    expect(lastDayOfWindow('2026-08-28', 'creditCard')).toBe('2026-11-25');
    expect(daysBetween('2026-08-28', '2026-11-25')).toBe(89);
  });

  it('unknown types get the strictest limit', () => {
    expect(maxWindowFor('brokerage')).toEqual({ unit: 'days', count: 90 });
  });

  it('month-end starts err short, never long', () => {
    expect(lastDayOfWindow('2024-02-29', 'loan')).toBe('2025-02-27');
    expect(isWindowAllowed('2024-02-29', '2025-02-28', 'loan')).toBe(false);
  });
});

describe('splitWindows', () => {
  it('a 24-month card history becomes 90-day windows, oldest first', () => {
    const w = splitWindows('2024-11-26', '2026-11-25', 'creditCard');
    expect(w[0]).toEqual({ from: '2024-11-26', to: '2025-02-23' });
    expect(w.at(-1)?.to).toBe('2026-11-25');
    expect(w).toHaveLength(9);
  });

  it('a 24-month checking history is exactly two windows', () => {
    expect(splitWindows('2024-11-26', '2026-11-25', 'checking')).toEqual([
      { from: '2024-11-26', to: '2025-11-25' },
      { from: '2025-11-26', to: '2026-11-25' },
    ]);
  });

  it('one day, and an empty range', () => {
    expect(splitWindows('2026-11-25', '2026-11-25', 'checking')).toEqual([{ from: '2026-11-25', to: '2026-11-25' }]);
    expect(splitWindows('2026-11-26', '2026-11-25', 'checking')).toEqual([]);
  });

  it('windowDays caps each window', () => {
    const w = splitWindows('2026-01-01', '2026-01-31', 'checking', { windowDays: 10 });
    expect(w).toEqual([
      { from: '2026-01-01', to: '2026-01-10' },
      { from: '2026-01-11', to: '2026-01-20' },
      { from: '2026-01-21', to: '2026-01-30' },
      { from: '2026-01-31', to: '2026-01-31' },
    ]);
    expect(() => splitWindows('2026-01-01', '2026-01-31', 'checking', { windowDays: 0 })).toThrow(RangeError);
  });

  it('covers [from, to] exactly with contiguous allowed windows (property)', () => {
    fc.assert(
      fc.property(
        dateArb,
        fc.integer({ min: 0, max: 1500 }),
        fc.constantFrom(...TYPES),
        fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
        (from, span, type, windowDays) => {
          const to = addDays(from, span);
          const ws = splitWindows(from, to, type, { windowDays });
          expect(ws[0]?.from).toBe(from);
          expect(ws.at(-1)?.to).toBe(to);
          let days = 0;
          ws.forEach((w, i) => {
            expect(w.from <= w.to).toBe(true);
            expect(isWindowAllowed(w.from, w.to, type)).toBe(true);
            // Independent check of the API limit.
            if (type === 'creditCard' || type === 'brokerage') expect(daysBetween(w.from, w.to)).toBeLessThan(90);
            else expect(w.to < addMonths(w.from, 12)).toBe(true);
            if (windowDays !== undefined) expect(daysBetween(w.from, w.to) + 1).toBeLessThanOrEqual(windowDays);
            const next = ws[i + 1];
            if (next) expect(next.from).toBe(addDays(w.to, 1));
            days += daysBetween(w.from, w.to) + 1;
          });
          expect(days).toBe(span + 1);
        },
      ),
    );
  });

  it('uses as few windows as the limit allows when windowDays is absent (property)', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 0, max: 1500 }), fc.constantFrom(...TYPES), (from, span, type) => {
        const ws = splitWindows(from, addDays(from, span), type);
        // Every window but the last is as long as allowed.
        for (const w of ws.slice(0, -1)) expect(w.to).toBe(lastDayOfWindow(w.from, type));
      }),
    );
  });
});
