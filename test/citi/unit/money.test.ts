import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Big } from 'big.js';
import { InvalidAmountError, isNegativeDecimal, negateDecimal, parseLosslessJson, toDecimalString } from '../../../src/citi/index.ts';

describe('toDecimalString', () => {
  it.each([
    [0.1, '0.1'],
    [1234567.89, '1234567.89'],
    [31, '31'],
    [-80.4, '-80.4'],
    [-0, '0'],
    ['3643150.72', '3643150.72'],
    ['80.40', '80.4'],
    [' -12.5 ', '-12.5'],
    ['+5', '5'],
    ['1.5E3', '1500'],
    ['1e-7', '0.0000001'],
    ['-0.000', '0'],
  ])('%s → %s', (n, s) => {
    expect(toDecimalString(n, 'amount')).toBe(s);
  });

  it('a JSON number keeps every digit of its text, past 15 significant digits and past 2^53', () => {
    const body = parseLosslessJson('[1234567890123456.78, 0.30000000000000004, 9007199254740993, 12345678901234567890123456789.000000001]') as unknown[];
    expect(body.map((v) => toDecimalString(v, 'x'))).toEqual([
      '1234567890123456.78',
      '0.30000000000000004',
      '9007199254740993',
      '12345678901234567890123456789.000000001',
    ]);
  });

  it.each([
    [Number.NaN, 'not a finite'],
    [Number.POSITIVE_INFINITY, 'not a finite'],
    ['12,50', 'not a decimal'],
    ['', 'not a decimal'],
    ['0x10', 'not a decimal'],
    ['1e999999', 'exponent beyond'],
    ['12e999', 'longer than'],
    [null, 'expected a number or a decimal string'],
    [undefined, 'expected a number or a decimal string'],
    [{}, 'expected a number or a decimal string'],
    [true, 'expected a number or a decimal string'],
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

  it('a decimal text of any length round-trips exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 12 }), (units, k) => {
        const expected = exactBigDecimal(units, k);
        const text = `${units < 0n ? '-' : ''}${(units < 0n ? -units : units).toString().padStart(k + 1, '0').replace(new RegExp(`(\\d{${k}})$`), k ? '.$1' : '$1')}`;
        expect(toDecimalString(parseLosslessJson(text), 'x')).toBe(expected);
        expect(toDecimalString(text, 'x')).toBe(expected);
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

/** The exact decimal of units / 10^k (bigint), trailing zeros trimmed. */
function exactBigDecimal(units: bigint, k: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(k + 1, '0');
  const int = digits.slice(0, digits.length - k);
  const frac = digits.slice(digits.length - k).replace(/0+$/, '');
  const s = frac ? `${int}.${frac}` : int;
  return neg && s !== '0' ? `-${s}` : s;
}

describe('toDecimalString: the canonical shortcut', () => {
  /** What big.js gives, the way the slow path reads it (the shortcut must give the same text). */
  const viaBig = (text: string) => {
    const plain = new Big(text).toFixed();
    return plain === '-0' ? '0' : plain;
  };

  it('gives for every finite JS number what big.js gives for its text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(toDecimalString(n, 'x')).toBe(viaBig(String(n)));
      }),
      { numRuns: 5000 },
    );
    for (const n of [1e-7, 1e21, -1e-7, 5e-324, Number.MAX_VALUE, 0.000001, 123456789012345680000]) expect(toDecimalString(n, 'x')).toBe(viaBig(String(n)));
  });

  it('gives for every decimal string what big.js gives (leading and trailing zeros, -0, signs, blanks)', () => {
    const decimal = fc
      .tuple(fc.constantFrom('', '-', '+', ' '), fc.stringMatching(/^[0-9]{1,20}$/), fc.option(fc.stringMatching(/^[0-9]{0,12}$/)), fc.constantFrom('', ' '))
      .map(([sign, int, frac, pad]) => `${sign}${int}${frac === null ? '' : `.${frac}`}${pad}`);
    fc.assert(
      fc.property(decimal, (s) => {
        expect(toDecimalString(s, 'x')).toBe(viaBig(s.trim().replace(/^\+/, '')));
      }),
      { numRuns: 5000 },
    );
    for (const s of ['-0', '0', '-0.0', '00', '0.50', '-0.5', '1.', '.5']) expect(toDecimalString(s, 'x')).toBe(viaBig(s));
  });

  it('still refuses a canonical-looking string past the length bound', () => {
    expect(() => toDecimalString('1'.repeat(1001), 'x')).toThrow(InvalidAmountError);
    expect(toDecimalString('1'.repeat(1000), 'x')).toBe('1'.repeat(1000));
  });
});
