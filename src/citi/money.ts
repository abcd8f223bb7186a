import { Big } from 'big.js';
import { isLosslessNumber } from 'lossless-json';
import { InvalidAmountError, snippetOf } from './errors.ts';

/**
 * Money is a decimal string from the moment it leaves the response text, never a JS number: the body
 * is parsed with lossless-json (json.ts), so a JSON number arrives here as its exact text, whatever
 * its length, and a decimal string (`"3643150.72"`, contract §3) is read the same way. big.js turns
 * either into one canonical plain form (no exponent, no trailing fractional zeros, no `-0`), which
 * is what String(number) gave for the amounts the client stored before, so stored rows compare equal.
 */

/**
 * Longest plain decimal accepted, in characters. There is no ceiling on digits as sent; this bounds
 * only what an exponent can blow up to (`1e999999` would be a megabyte of zeros).
 */
export const MAX_DECIMAL_LENGTH = 1000;

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Text already in the canonical plain form big.js would give: an optional minus, an integer part
 * without leading zeros, a fraction without trailing zeros. String(number) gives this for every
 * finite number between 1e-7 and 1e21 in magnitude (beyond, it writes an exponent).
 */
const CANONICAL = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

/** The exact decimal text of a JSON number (lossless), a decimal string, or a finite JS number. */
export function toDecimalString(value: unknown, fieldPath: string): string {
  // Nearly every amount on a backfill: a number, or a string, already canonical. big.js would give
  // the same text back (the tests check it does), at several times the cost.
  if (typeof value === 'number' || typeof value === 'string') {
    const s = typeof value === 'number' ? String(value) : value;
    if (s.length <= MAX_DECIMAL_LENGTH && s !== '-0' && CANONICAL.test(s)) return s;
  }
  let text: string;
  if (isLosslessNumber(value)) text = value.value;
  else if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidAmountError(fieldPath, 'not a finite number', String(value));
    text = String(value);
  } else {
    throw new InvalidAmountError(fieldPath, `expected a number or a decimal string, not ${describe(value)}`, snippetOf(value));
  }
  if (!DECIMAL_TEXT.test(text)) throw new InvalidAmountError(fieldPath, 'not a decimal number', snippetOf(text));
  const exponent = /[eE]([+-]?\d+)$/.exec(text);
  if (exponent && Math.abs(Number(exponent[1])) > MAX_DECIMAL_LENGTH) {
    throw new InvalidAmountError(fieldPath, `exponent beyond ${MAX_DECIMAL_LENGTH}`, snippetOf(text));
  }
  const plain = new Big(text.startsWith('+') ? text.slice(1) : text).toFixed();
  if (plain.length > MAX_DECIMAL_LENGTH) throw new InvalidAmountError(fieldPath, `longer than ${MAX_DECIMAL_LENGTH} characters`, snippetOf(text));
  return plain === '-0' ? '0' : plain;
}

/** Like toDecimalString, but absent (undefined, null or "") is null. */
export function toDecimalOrNull(value: unknown, fieldPath: string): string | null {
  return value === undefined || value === null || value === '' ? null : toDecimalString(value, fieldPath);
}

/** An exchange rate is read exactly like money (it is not summed, but it is not rounded either). */
export function toRateStringOrNull(value: unknown, fieldPath: string): string | null {
  return toDecimalOrNull(value, fieldPath);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** The decimal string with its sign flipped; zero stays unsigned. */
export function negateDecimal(s: string): string {
  if (!PLAIN_DECIMAL.test(s)) throw new RangeError(`not a plain decimal string: ${snippetOf(s)}`);
  if (s.startsWith('-')) return s.slice(1);
  return /^[0.]+$/.test(s) ? s : `-${s}`;
}

export function isNegativeDecimal(s: string): boolean {
  return s.startsWith('-') && !/^-[0.]+$/.test(s);
}

/** The magnitude of a plain decimal string. */
export function absDecimal(s: string): string {
  return isNegativeDecimal(s) ? s.slice(1) : s.replace(/^-/, '');
}
