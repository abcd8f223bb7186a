/**
 * How an error appears in a log line: its class, message, code (a Node errno, a SQLSTATE, Citi's
 * error code), status, the page it failed at, and its cause chain (bounded), never request headers
 * or a response body. The stack only at debug level and below (it names no secret, but it is long).
 * Plain objects logged as `err` (some call sites pass `{ message }`) keep their own fields, so a log
 * line never degrades to `{"type":"Object","stack":""}`.
 */
const MAX_DEPTH = 5;
const FIELDS = ['code', 'status', 'statusCode', 'key', 'page', 'connectionId', 'accountId', 'detail'] as const;

export interface SerializedError {
  type: string;
  message: string;
  code?: unknown;
  stack?: string;
  cause?: SerializedError;
  [k: string]: unknown;
}

export function errorSerializer(opts: { stack: boolean }) {
  return (err: unknown): unknown => serialize(err, opts.stack, 0);
}

function serialize(err: unknown, stack: boolean, depth: number): SerializedError | unknown {
  if (err === null || err === undefined) return err;
  if (typeof err !== 'object') return { type: typeof err, message: String(err) };
  if (depth >= MAX_DEPTH) return { type: 'Error', message: '(cause chain truncated)' };
  const e = err as Record<string, unknown> & { cause?: unknown };
  const isError = err instanceof Error;
  const out: SerializedError = {
    type: isError ? (err as Error).name || err.constructor.name : typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : isError ? '' : JSON.stringify(err).slice(0, 500),
  };
  for (const f of FIELDS) {
    const v = e[f];
    if (v !== undefined && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) out[f] = v;
  }
  if (stack && isError && (err as Error).stack) out.stack = (err as Error).stack;
  if (e.cause !== undefined) out.cause = serialize(e.cause, stack, depth + 1) as SerializedError;
  if (err instanceof AggregateError) out.errors = err.errors.slice(0, 5).map((x) => serialize(x, stack, depth + 1));
  return out;
}
