import { isLosslessNumber } from 'lossless-json';

/**
 * The one sanitizer for text that comes from Citi (issue 10 item 10, issue 12 item 5). Applied at the
 * edge, before anything is printed, logged or stored:
 * - NUL is removed: Postgres text and jsonb cannot hold it;
 * - lone UTF-16 surrogates become U+FFFD: Postgres rejects them in jsonb;
 * - terminal control is removed: ANSI escape sequences (CSI, OSC, and other ESC sequences), the other
 *   C0 controls, DEL and the C1 controls (U+0080–U+009F, of which U+009B acts as CSI in some
 *   terminals). Tab and newline are kept in stored text (a description may hold them) and replaced
 *   by a space in one-line text (error messages, log lines).
 * Everything else (any length, any script, emoji) is kept.
 */

// ESC [ … final byte (CSI), ESC ] … BEL or ESC \ (OSC), ESC P/X/^/_ … ESC \ (DCS, SOS, PM, APC), and
// two-byte ESC sequences; the 8-bit CSI (U+009B) and OSC (U+009D) forms too.
// eslint-disable-next-line no-control-regex
const ESCAPES = /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|(?:\u001b[\]PX^_]|[\u009d\u0090\u0098\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Removes terminal control; tab and newline are kept (see the module comment). */
export function stripControl(s: string): string {
  if (!ANY_CONTROL.test(s)) return s;
  return s.replace(ESCAPES, '').replace(CONTROLS, '');
}

/** For messages and log lines: terminal control removed, tabs and line breaks become one space. */
export function oneLine(s: string): string {
  if (!ANY_CONTROL.test(s)) return s;
  return s.replace(ESCAPES, '').replace(/[\t\n]+/g, ' ').replace(CONTROLS, '');
}

/** Stored text: terminal control and NUL removed, lone surrogates replaced. */
export function cleanText(s: string): string {
  const stripped = stripControl(s);
  return stripped.isWellFormed() ? stripped : stripped.toWellFormed();
}

/**
 * A JSON value with every string (keys included) passed through cleanText. Keys are defined, never
 * assigned: a `__proto__` key from JSON must stay data, not replace the prototype.
 */
export function cleanJson(value: unknown): unknown {
  // Nearly every body is clean already: checked without copying, and returned as it is.
  return scanJson(value) & NEEDS_CLEANING ? cleanCopy(value) : value;
}

/** scanJson's findings, as bits. Some string or key is one cleanText would change: */
export const NEEDS_CLEANING = 1;
/** Some number is an exact one (a LosslessNumber, json.ts): */
export const HOLDS_EXACT_NUMBER = 2;

/**
 * One walk over a parsed value that finds what the edge must fix in it: text to clean and exact
 * numbers (which `raw` keeps as text). One walk instead of one per question: on a backfill every
 * row of every page passes here.
 */
export function scanJson(value: unknown): number {
  if (typeof value === 'string') return dirtyText(value) ? NEEDS_CLEANING : 0;
  if (value === null || typeof value !== 'object') return 0;
  if (isLosslessNumber(value)) return HOLDS_EXACT_NUMBER;
  let found = 0;
  if (Array.isArray(value)) {
    for (const v of value) found |= scanJson(v);
    return found;
  }
  for (const k of Object.keys(value)) {
    if (!cleanKeys.has(k)) {
      if (dirtyText(k)) found |= NEEDS_CLEANING;
      else rememberCleanKey(k);
    }
    found |= scanJson((value as Record<string, unknown>)[k]);
  }
  return found;
}

function dirtyText(s: string): boolean {
  return ANY_CONTROL.test(s) || !s.isWellFormed();
}

/**
 * Keys already found clean. Every row of a page, and of every page, repeats the same few dozen keys:
 * a set lookup (JSON.parse hands out internalized keys, whose hash is kept) is cheaper than testing
 * each again. Bounded: a body with thousands of distinct keys only empties it.
 */
const cleanKeys = new Set<string>();
const MAX_CLEAN_KEYS = 1024;
const MAX_CACHED_KEY_LENGTH = 64;

function rememberCleanKey(k: string): void {
  if (k.length > MAX_CACHED_KEY_LENGTH) return;
  if (cleanKeys.size >= MAX_CLEAN_KEYS) cleanKeys.clear();
  cleanKeys.add(k);
}

/** A copy of `value` with every string and key through cleanText (exact numbers kept as they are). */
export function cleanCopy(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  // Exact numbers (json.ts) are objects holding the number's text: kept as they are.
  if (isLosslessNumber(value)) return value;
  if (Array.isArray(value)) return value.map(cleanCopy);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, cleanText(k), { value: cleanCopy(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
