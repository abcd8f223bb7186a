/**
 * Terminology
 * - Database: the one handle every part of citi-sync queries through, backed either by a server
 *   Postgres (node-postgres pool) or by an embedded PGlite directory. Hot paths use raw
 *   parameterised SQL through `query`; drizzle is used only for the schema and migrations.
 * - Session: one server connection. Session-level state (advisory locks, SET) lives on it, so code
 *   that takes `pg_advisory_lock` must run inside `withSession` and use the Queryable it is given.
 *
 * Values come back the same way on both backends (src/db/typeParsers.ts): numeric, int8, date and
 * timestamp (without time zone) as strings, timestamptz as Date, int4 as number, jsonb parsed.
 * Pass jsonb parameters as JSON.stringify(value): node-postgres would turn a JS array into a
 * Postgres array literal.
 */

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned by a SELECT, or changed by INSERT/UPDATE/DELETE (the command tag's count). */
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
  /**
   * Runs `COPY <table> (<columns>) FROM STDIN` with `data` in COPY text format (one line per row,
   * tab-separated, `\N` for null) and resolves with the rows copied. `data` may come in pieces (each
   * whole lines), sent one after another, so a batch of pages is never copied into one string. The
   * sessions of both backends have it; a handle that lacks it (a test double) makes writers fall
   * back to plain statements.
   */
  copyFrom?(copySql: string, data: string | readonly string[]): Promise<number>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn between BEGIN and COMMIT on one session; ROLLBACK (and rethrow) when fn throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs fn on one dedicated session, e.g. to hold a session-level advisory lock. Advisory locks
   * still held when fn returns are released. On PGlite (a single session) callers are serialised
   * instead, re-entrantly, so the lock semantics hold within the one process. `lost` aborts when
   * the server ends the session (its advisory locks are then gone): work that relied on them must
   * stop. A statement on `s` that fails because the session ended throws that same SessionLostError.
   * A session that ends after fn returned is no error: its end released what it held.
   * PGlite's one session cannot be lost apart from the database: it never aborts.
   */
  withSession<T>(fn: (s: Queryable, lost: AbortSignal) => Promise<T>): Promise<T>;
  /**
   * Applies drizzle's migrations on this backend, under the advisory lock `lock` (src/db/migrate.ts
   * is the caller; each backend knows its own drizzle driver, so migrate needs no instanceof).
   */
  applyMigrations(config: MigrationConfig, lock: readonly [number, number]): Promise<void>;
  /** Ends the pool or closes PGlite and frees its lock file. Idempotent. */
  close(): Promise<void>;
}

/** Where drizzle finds the migration files and keeps its bookkeeping table. */
export interface MigrationConfig {
  migrationsFolder: string;
  migrationsSchema: string;
  migrationsTable: string;
}
