import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { toDecimalString } from './money.ts';
import { HOLDS_EXACT_NUMBER, NEEDS_CLEANING, cleanCopy, cleanText, scanJson } from './text.ts';

/**
 * Resource bodies are parsed with lossless-json, so every JSON number reaches the parsers as its
 * exact text (a LosslessNumber) instead of a double: `12345678901234567890.12` stays those digits.
 * Token bodies keep JSON.parse: they hold no money.
 */
export function parseLosslessJson(text: string): unknown {
  // A key given twice keeps its last value, as JSON.parse does (lossless-json would throw).
  return parseLossless(text, null, { onDuplicateKey: ({ newValue }) => newValue });
}

/**
 * Whether a body may hold a number a double cannot keep exactly: one with more than 15 significant
 * digits (so a run of 16 or more digits and dots) or an exponent. Every other number survives
 * JSON.parse digit for digit (a decimal of at most 15 significant digits round-trips through a
 * double's shortest form), so the lossless parser, three times slower, is only needed for these.
 * Digit for digit, not character for character: a fraction ending in 0 (`100.0`, `12.50`) and `-0`
 * come back from a double without it, and an id sent as such a number (schemas.ts idLike) keeps its
 * text only from the lossless parser (else the same row's id changed with the rest of its page).
 * A JSON number starts the body or follows `:`, `[` or `,` (and blanks): ids are strings, so a
 * 16-digit transaction id (Citi's and the simulator's are) does not count. A false alarm (such a
 * run quoted inside a string, after a comma) only costs speed; a number is never missed.
 */
const UNSAFE = String.raw`-?[0-9](?:[0-9.]{15}|[0-9]*(?:\.[0-9]+)?[eE]|[0-9]*\.[0-9]*0(?![0-9]))|-0(?![0-9.eE])`;
const UNSAFE_NUMBER = new RegExp(String.raw`[:[,]\s*(?:${UNSAFE})`);
const UNSAFE_TOP_LEVEL = new RegExp(String.raw`^\s*(?:${UNSAFE})`);

export function mayLoseDigits(text: string): boolean {
  return UNSAFE_NUMBER.test(text) || UNSAFE_TOP_LEVEL.test(text);
}

/**
 * A row object as the parsers read it (`clean`: every string through cleanText) and as `raw` keeps
 * it (plainJson: exact numbers as JS numbers or text), from one walk (scanJson). A clean row holding
 * no exact number (nearly every row: the fast parse) is returned as it is for both: no copy at all.
 */
export function cleanAndRaw(input: Record<string, unknown>): { clean: Record<string, unknown>; raw: Record<string, unknown> } {
  const found = scanJson(input);
  const clean = (found & NEEDS_CLEANING ? cleanCopy(input) : input) as Record<string, unknown>;
  return { clean, raw: found & HOLDS_EXACT_NUMBER ? (plainJson(clean) as Record<string, unknown>) : clean };
}

/**
 * A parsed value as plain JSON for `raw` (stored as jsonb): NUL removed from every string and key
 * (Postgres cannot store it), and each number a JS number when a double holds it exactly, otherwise
 * its exact decimal text as a string, so `raw` never silently rounds what Citi sent.
 */
export function plainJson(value: unknown): unknown {
  if (isLosslessNumber(value)) return exactNumber(value.value);
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(plainJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty, not assignment: a `__proto__` key from JSON must stay data, not a prototype.
      Object.defineProperty(out, cleanText(k), { value: plainJson(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function exactNumber(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  try {
    const exact = toDecimalString(text, '');
    return toDecimalString(n, '') === exact ? n : exact;
  } catch {
    return text;
  }
}
