/**
 * A Citi transaction encoded once, as one line of COPY text format, for the write stage: every
 * column and the raw payload, tab-separated, `\N` for null. This is the only per-row encoding on the
 * write path (the old path built a record object, then JSON for the page, then cleaned it again).
 *
 * A page is encoded as soon as it is fetched (encodeRows): what waits in the queue for the writer is
 * then one flat string per page and its ids, not thousands of objects per page (the parsed rows and
 * their raw payloads), which kept the V8 heap of a 1M-row backfill three times its live size.
 *
 * What Postgres cannot take is handled here, and only when present (almost never):
 * - NUL (U+0000) cannot be in text or jsonb: removed, as src/citi/text.ts does;
 * - a lone UTF-16 surrogate: in a text column, UTF-8 encoding writes it as U+FFFD (what
 *   `toWellFormed` gives); in the raw JSON, JSON.stringify escapes it as `\udxxx`, which jsonb
 *   rejects, so a payload carrying one (or an escaped NUL) is cleaned and stringified again.
 */
import type { CitiTransaction } from '../citi/index.ts';
import { cleanJson } from '../citi/index.ts';

/** The stage's columns, in COPY order (src/sync/sql/transactions.ts creates the stage from it). */
export const STAGE_COLUMNS = [
  ['transaction_id', 'text'],
  ['id_synthetic', 'boolean'],
  ['status', 'text'],
  ['status_raw', 'text'],
  ['transaction_date', 'date'],
  ['posting_date', 'date'],
  ['amount', 'numeric'],
  ['currency_code', 'text'],
  ['description', 'text'],
  ['description_extension', 'text'],
  ['merchant_name', 'text'],
  ['merchant_category_code', 'text'],
  ['transaction_type', 'text'],
  ['debit_credit_memo', 'text'],
  ['check_number', 'text'],
  ['foreign_amount', 'numeric'],
  ['foreign_currency_code', 'text'],
  ['foreign_exchange_rate', 'numeric'],
  ['authorization_code', 'text'],
  ['raw', 'jsonb'],
] as const;

// COPY text format: backslash, tab, newline and carriage return are the characters with a meaning.
// eslint-disable-next-line no-control-regex
const SPECIAL = /[\\\t\n\r\u0000]/;
// eslint-disable-next-line no-control-regex
const SPECIAL_ALL = /[\\\t\n\r\u0000]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u0000': '' };
const UNSAFE_JSON_ESCAPE = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

/** One value in COPY text format. */
export function copyText(s: string | null): string {
  if (s === null) return '\\N';
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : s;
}

/**
 * The payload as jsonb input text: JSON.stringify once, cleaned only when jsonb would refuse it.
 * Both escapes start with a backslash: a payload without one (nearly every row) needs no test.
 */
export function rawJson(raw: Record<string, unknown>): string {
  const json = JSON.stringify(raw);
  return json.includes('\\') ? jsonbSafe(json, raw) : json;
}

/** `json` (raw's text, holding a backslash) as jsonb accepts it: cleaned only when an escape would be refused. */
function jsonbSafe(json: string, raw: Record<string, unknown>): string {
  return UNSAFE_JSON_ESCAPE.test(json) ? JSON.stringify(cleanJson(raw)) : json;
}

/**
 * The payload as a COPY value of jsonb input text (rawJson): JSON.stringify escapes every control
 * character, so of COPY's special characters only the backslash can be there, and only a payload
 * with an escape in it has one. One search for it serves both steps (the hot path of every row).
 */
function rawCopyJson(raw: Record<string, unknown>): string {
  const json = JSON.stringify(raw);
  return json.includes('\\') ? jsonbSafe(json, raw).replaceAll('\\', '\\\\') : json;
}

/** The row as one COPY line, newline included. */
export function copyLine(t: CitiTransaction): string {
  return (
    copyText(t.transactionId) +
    (t.idSynthetic ? '\tt\t' : '\tf\t') +
    copyText(t.status) +
    '\t' +
    copyText(t.statusRaw) +
    '\t' +
    copyText(t.transactionDate) +
    '\t' +
    copyText(t.postingDate) +
    '\t' +
    copyText(t.amount) +
    '\t' +
    copyText(t.currencyCode) +
    '\t' +
    copyText(t.description) +
    '\t' +
    copyText(t.descriptionExtension) +
    '\t' +
    copyText(t.merchantName) +
    '\t' +
    copyText(t.merchantCategoryCode) +
    '\t' +
    copyText(t.transactionType) +
    '\t' +
    copyText(t.debitCreditMemo) +
    '\t' +
    copyText(t.checkNumber) +
    '\t' +
    copyText(t.foreignAmount) +
    '\t' +
    copyText(t.foreignCurrencyCode) +
    '\t' +
    copyText(t.foreignExchangeRate) +
    '\t' +
    copyText(t.authorizationCode) +
    '\t' +
    rawCopyJson(t.raw) +
    '\n'
  );
}

/** A batch's rows for the stage: their count and their COPY text, in pieces (a page's each). */
export interface StageInput {
  rows: number;
  pieces: readonly string[];
}

/** One page's rows as the stage takes them. */
export interface EncodedRows {
  /** Each row's transactionId, in the order of its line. */
  ids: string[];
  /** Every row's copyLine, concatenated: one flat string, however many rows. */
  text: string;
}

export function encodeRows(rows: readonly CitiTransaction[]): EncodedRows {
  const ids = new Array<string>(rows.length);
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    ids[i] = rows[i]!.transactionId;
    lines[i] = copyLine(rows[i]!);
  }
  // join, not +=: it builds one flat string, where concatenation leaves a tree of pieces to hold.
  return { ids, text: lines.join('') };
}

/** The lines of encoded text, one per row, newline included (a value's own newlines are escaped). */
export function copyLines(text: string): string[] {
  const lines: string[] = [];
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start) + 1 || text.length;
    lines.push(text.slice(start, end));
    start = end;
  }
  return lines;
}

const UNESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r' };

/** copyLine read back: each column's text, null for `\\N` (the writer's fallback without COPY). */
export function parseCopyLine(line: string): Array<string | null> {
  const body = line.endsWith('\n') ? line.slice(0, -1) : line;
  return body.split('\t').map((v) => (v === '\\N' ? null : v.includes('\\') ? v.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c) : v));
}
