import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidAmountError, isNegativeDecimal, negateDecimal, toDecimalString } from '../../../src/citi/index.ts';

describe('toDecimalString', () => {
  it.each([
    [0.1, '0.1'],
    [1234567.89, '1234567.89'],
    [12.345, '12.345'],
    [31, '31'],
    [-80.4, '-80.4'],
    [0, '0'],
    [-0, '0'],
    [5000, '5000'],
    [0.000123, '0.000123'],
    [123456789012345, '123456789012345'],
    [1234567890.12345, '1234567890.12345'],
  ])('%s → %s', (n, s) => {
    expect(toDecimalString(n, 'amount')).toBe(s);
  });

  it.each([
    [Number.NaN, 'not a finite'],
    [Number.POSITIVE_INFINITY, 'not a finite'],
    [1e21, 'too large or too small'],
    [1e-7, 'too large or too small'],
    [0.1 + 0.2, 'significant digits'],
    [1234567890123456, 'significant digits'],
    [2 ** 53 + 2, 'significant digits'],
    ['12.50', 'expected a JSON number'],
    [null, 'expected a JSON number'],
    [undefined, 'expected a JSON number'],
    [{}, 'expected a JSON number'],
  ])('rejects %s', (v, why) => {
    let caught: unknown;
    try {
      toDecimalString(v, 'rows[3].transactionAmount');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidAmountError);
    const e = caught as InvalidAmountError;
    expect(e.fieldPath).toBe('rows[3].transactionAmount');
    expect(e.reason).toContain(why);
  });

  it('round-trips integers of minor units divided by 10^k exactly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }), fc.integer({ min: 0, max: 6 }), (units, k) => {
        const s = toDecimalString(units / 10 ** k, 'x');
        expect(s).toBe(exactDecimal(units, k));
      }),
    );
  });

  it('every accepted value parses back to the same number (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        let s: string;
        try {
          s = toDecimalString(n, 'x');
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidAmountError);
          return;
        }
        expect(s).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(s)).toBe(n === 0 ? 0 : n);
      }),
    );
  });
});

describe('negateDecimal', () => {
  it.each([
    ['12.22', '-12.22'],
    ['-80.4', '80.4'],
    ['0', '0'],
    ['0.00', '0.00'],
    ['31', '-31'],
  ])('%s → %s', (a, b) => expect(negateDecimal(a)).toBe(b));

  it('refuses text that is not a plain decimal', () => {
    expect(() => negateDecimal('1e5')).toThrow(RangeError);
    expect(() => negateDecimal('')).toThrow(RangeError);
  });

  it('is an involution on non-zero values (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), fc.integer({ min: 0, max: 3 }), (u, k) => {
        const s = exactDecimal(u, k);
        expect(negateDecimal(negateDecimal(s))).toBe(s);
        if (u !== 0) expect(isNegativeDecimal(negateDecimal(s))).toBe(!isNegativeDecimal(s));
      }),
    );
  });
});

/** The exact decimal of units / 10^k by string arithmetic, trailing zeros trimmed. */
function exactDecimal(units: number, k: number): string {
  const neg = units < 0;
  const digits = String(Math.abs(units)).padStart(k + 1, '0');
  const int = digits.slice(0, digits.length - k);
  const frac = digits.slice(digits.length - k).replace(/0+$/, '');
  const s = frac ? `${int}.${frac}` : int;
  return neg && s !== '0' ? `-${s}` : s;
}
