import { InvalidAmountError, snippetOf } from './errors.ts';

/**
 * Citi sends amounts as JSON numbers (binary floats). They become exact decimal strings here, at the
 * edge, and never pass through float arithmetic again.
 *
 * Why this is exact: JavaScript prints a number in its shortest round-trip form, and any decimal of at
 * most 15 significant digits survives the trip decimal → double → shortest string unchanged. So for
 * such values `String(n)` is exactly the decimal the server wrote. Past 15 digits (or in exponent form)
 * we cannot know what the server wrote, so the value is rejected rather than silently rounded.
 */
export const MAX_SIGNIFICANT_DIGITS = 15;

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

export function toDecimalString(value: unknown, fieldPath: string): string {
  if (typeof value !== 'number') {
    throw new InvalidAmountError(fieldPath, `expected a JSON number, not ${value === null ? 'null' : typeof value}`, snippetOf(value));
  }
  if (!Number.isFinite(value)) throw new InvalidAmountError(fieldPath, 'not a finite number', String(value));
  const s = String(value); // -0 prints as "0", which is what we want
  if (!PLAIN_DECIMAL.test(s)) {
    throw new InvalidAmountError(fieldPath, 'amount too large or too small to keep exact', s);
  }
  if (significantDigits(s) > MAX_SIGNIFICANT_DIGITS) {
    throw new InvalidAmountError(fieldPath, `more than ${MAX_SIGNIFICANT_DIGITS} significant digits: precision was lost`, s);
  }
  return s;
}

/**
 * An exchange rate is not money: nobody sums it, and Citi may send more digits than a double keeps.
 * Its shortest round-trip form is kept even past 15 significant digits rather than failing the page.
 */
export function toRateStringOrNull(value: unknown, fieldPath: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || !PLAIN_DECIMAL.test(String(value))) {
    return toDecimalString(value, fieldPath); // throws the precise reason
  }
  return String(value);
}

/** Like toDecimalString, but absent (undefined or null) is null. */
export function toDecimalOrNull(value: unknown, fieldPath: string): string | null {
  return value === undefined || value === null ? null : toDecimalString(value, fieldPath);
}

/**
 * Integer digits count in full (1000000000000000000 has 19: we cannot tell it from a rounded 19-digit
 * literal); leading zeros of a fraction do not (0.000123 has 3).
 */
function significantDigits(s: string): number {
  const digits = s.replace('-', '').replace('.', '').replace(/^0+/, '');
  return Math.max(1, digits.length);
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
