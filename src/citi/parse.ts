import type { z } from 'zod';
import { InvalidFieldError, MalformedResponseError, snippetOf } from './errors.ts';
import { mayLoseDigits, parseLosslessJson } from './json.ts';

/**
 * Turns a response body into typed data or a MalformedResponseError that names the request path, the
 * field path (`creditCardAccountTransactions[3].transactionAmount`) and a short snippet of what was
 * there, so a bad page can be found from the log line alone.
 */
export interface ParseOptions {
  /**
   * The body may hold credentials (a token response): no part of it goes into the error, not even
   * through the `cause` (JSON.parse quotes the text it choked on).
   */
  sensitive?: boolean;
  /** Numbers come back as their exact text (LosslessNumber), for resource bodies that carry money. */
  lossless?: boolean;
}

/**
 * Deepest nesting accepted in a body. Citi's responses are about 5 levels deep; the recursive code
 * after parsing (validation, NUL stripping, jsonb) would overflow the stack on a hostile body nested
 * 100 000 levels deep and fail with a bare RangeError naming neither the page nor the problem.
 */
export const MAX_JSON_DEPTH = 64;

export function parseJsonBody(bodyText: string, path: string, opts: ParseOptions = {}): unknown {
  return parseJsonBodyRead(bodyText, path, opts).json;
}

/** A parsed resource body and what its text says about its values (see parseJsonBodyRead). */
export interface BodyRead {
  json: unknown;
  /** Some number was kept as its exact text (a LosslessNumber): the lossless parser ran. */
  exactNumbers: boolean;
  /**
   * No string or key in it is one cleanText would change, known from the text alone: JSON forbids
   * raw C0 controls in strings, so without a backslash (no escape), a lone surrogate, DEL or a C1
   * control in the text, every string came out of JSON.parse clean.
   */
  plainText: boolean;
}

const DEL_OR_C1 = /[\u007f-\u009f]/;

/** parseJsonBody, telling also whether the parsed values need cleaning or hold exact numbers. */
export function parseJsonBodyRead(bodyText: string, path: string, opts: ParseOptions = {}): BodyRead {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch (err) {
    // Usually a body cut short (a dropped connection after the headers), sometimes an HTML error page.
    const reason = bodyText.length === 0 ? 'empty body' : 'not JSON';
    if (opts.sensitive) return throwMalformed(path, '', reason, withheld(bodyText), undefined);
    return throwMalformed(path, '', reason, snippetOf(bodyText), err);
  }
  if (depthExceeds(json, MAX_JSON_DEPTH)) {
    return throwMalformed(path, '', `nested deeper than ${MAX_JSON_DEPTH} levels`, opts.sensitive ? withheld(bodyText) : snippetOf(bodyText), undefined);
  }
  // Parsed twice when needed: the native parser vouches for the syntax and the depth bound first, so
  // the (recursive) lossless parser only ever sees shallow, valid JSON, and only bodies whose
  // numbers a double could round (json.ts) pay for it.
  const exactNumbers = opts.lossless === true && mayLoseDigits(bodyText);
  return {
    json: exactNumbers ? parseLosslessJson(bodyText) : json,
    exactNumbers,
    // isWellFormed: a body from the wire is decoded UTF-8 (no lone surrogate), but a Transport is
    // anyone's to implement, and JSON.parse keeps a raw lone surrogate in a string.
    plainText: !bodyText.includes('\\') && bodyText.isWellFormed() && !DEL_OR_C1.test(bodyText),
  };
}

/**
 * Iterative (a recursive walk is what a deep body would break). Objects and their depths on two
 * parallel stacks, and only objects pushed: every page of a backfill passes here.
 */
function depthExceeds(root: unknown, max: number): boolean {
  const nodes: object[] = [];
  const depths: number[] = [];
  if (root !== null && typeof root === 'object') {
    nodes.push(root);
    depths.push(0);
  }
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth >= max) return true;
    if (Array.isArray(node)) {
      for (const child of node) {
        if (child !== null && typeof child === 'object') {
          nodes.push(child as object);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const k in node) {
      const child = (node as Record<string, unknown>)[k];
      if (child !== null && typeof child === 'object' && Object.hasOwn(node, k)) {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** Validates a parsed body; the returned value keeps unknown fields (loose schemas). */
export function validate<S extends z.ZodType>(
  schema: S,
  json: unknown,
  path: string,
  opts: ParseOptions & { prefix?: string } = {},
): z.output<S> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const issuePath = issue ? (issue.path as PropertyKey[]) : [];
  const fieldPath = joinFieldPath(opts.prefix ?? '', formatFieldPath(issuePath));
  const reason = issue ? issue.message : 'invalid';
  const value = valueAt(json, issuePath);
  if (opts.sensitive) return throwMalformed(path, fieldPath, reason, withheld(value), undefined);
  return throwMalformed(path, fieldPath, reason, snippetOf(value), result.error);
}

function withheld(value: unknown): string {
  if (typeof value === 'string') return `<${value.length} characters withheld>`;
  return value === null ? 'null' : `<${Array.isArray(value) ? 'array' : typeof value} withheld>`;
}

/**
 * Validates one value for the pure parsers (normalize.ts), which do not know the URL: a failure is an
 * InvalidFieldError with the field path and snippet, which the client re-raises as malformed.
 */
export function checkShape<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const issuePath = issue ? (issue.path as PropertyKey[]) : [];
  throw new InvalidFieldError(formatFieldPath(issuePath), issue ? issue.message : 'invalid', snippetOf(valueAt(value, issuePath)));
}

/** `['rows', 3, 'amount']` → `rows[3].amount`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function joinFieldPath(prefix: string, rest: string): string {
  if (prefix === '') return rest;
  if (rest === '') return prefix;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** The value a zod issue points at; a single object accepted as an array has no index to follow. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (typeof key === 'number' && !Array.isArray(node)) continue;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Re-raises a parser's InvalidFieldError as a MalformedResponseError for this request path. */
export function malformedFrom(err: InvalidFieldError, path: string): MalformedResponseError {
  return new MalformedResponseError({ path, fieldPath: err.fieldPath, reason: err.reason, snippet: err.snippet, cause: err });
}

function throwMalformed(path: string, fieldPath: string, reason: string, snippet: string, cause: unknown): never {
  throw new MalformedResponseError({ path, fieldPath, reason, snippet, cause });
}

/** Runs `fn`, locating any InvalidFieldError it raises under `prefix`. */
export function within<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidFieldError) throw err.within(prefix);
    throw err;
  }
}
