/**
 * Terminology
 * - Database: the one handle every part of citi-sync queries through, backed either by a server
 *   Postgres (node-postgres pool) or by an embedded PGlite directory. Hot paths use raw
 *   parameterised SQL through `query`; drizzle is used only for the schema and migrations.
 * - Session: one server connection. Session-level state (advisory locks, SET) lives on it, so code
 *   that takes `pg_advisory_lock` must run inside `withSession` and use the Queryable it is given.
 *
 * Values come back the same way on both backends (src/db/type-parsers.ts): numeric, int8, date and
 * timestamp (without time zone) as strings, timestamptz as Date, int4 as number, jsonb parsed.
 * Pass jsonb parameters as JSON.stringify(value): node-postgres would turn a JS array into a
 * Postgres array literal.
 */
import type { Logger } from '../log/logger.ts';

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned by a SELECT, or changed by INSERT/UPDATE/DELETE (the command tag's count). */
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
  /**
   * Runs `COPY <table> (<columns>) FROM STDIN` with `data` in COPY text format (one line per row,
   * tab-separated, `\N` for null) and resolves with the rows copied. The sessions of both backends
   * have it; a handle that lacks it (a test double) makes writers fall back to plain statements.
   */
  copyFrom?(copySql: string, data: string): Promise<number>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn between BEGIN and COMMIT on one session; ROLLBACK (and rethrow) when fn throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs fn on one dedicated session, e.g. to hold a session-level advisory lock. Advisory locks
   * still held when fn returns are released. On PGlite (a single session) callers are serialised
   * instead, re-entrantly, so the lock semantics hold within the one process.
   */
  withSession<T>(fn: (s: Queryable) => Promise<T>): Promise<T>;
  /** Ends the pool or closes PGlite and frees its lock file. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A postgres:// URL. When set, a node-postgres pool is used; otherwise embedded PGlite. */
  url?: string;
  /**
   * Where embedded PGlite keeps its files; `memory://` keeps nothing (tests).
   * @defaultValue `./.citi-sync/db`
   */
  dataDir?: string;
  /** @defaultValue 10 */
  poolSize?: number;
  /** Shown in pg_stat_activity. @defaultValue `citi-sync` */
  applicationName?: string;
  /** Receives errors of idle pooled connections (e.g. a server restart). */
  logger?: Logger;
}

export const DEFAULT_DATA_DIR = './.citi-sync/db';

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.url) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(opts.url, opts);
  }
  // PGlite is loaded only when used: its WebAssembly module is large.
  const { openPglite } = await import('./pglite.ts');
  return openPglite(opts.dataDir ?? DEFAULT_DATA_DIR, { logger: opts.logger });
}
