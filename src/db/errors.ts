import { isRetryablePgError, sqlStateName, sqlStateOf, type SqlStateName } from './sqlstate.ts';
import { messageOf } from '../log/errorText.ts';

/**
 * A statement or connection failed. The message names the Postgres error and the first line of the
 * SQL; never the parameters (they can hold account data). `retryable` says whether running the same
 * transaction again may succeed (see isRetryablePgError).
 */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  /** The SQLSTATE, when the server (or PGlite) reported one. */
  readonly sqlstate: string | undefined;
  /** The SQLSTATE's name when it is one of ours (src/db/sqlstate.ts). */
  readonly condition: SqlStateName | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    const cause = options.cause as { constraint?: unknown; table?: unknown } | null | undefined;
    this.sqlstate = sqlStateOf(options.cause);
    this.condition = sqlStateName(options.cause);
    this.constraint = typeof cause?.constraint === 'string' ? cause.constraint : undefined;
    this.table = typeof cause?.table === 'string' ? cause.table : undefined;
    this.retryable = isRetryablePgError(options.cause);
  }
}

/** Wraps a driver error as a DatabaseError naming the statement; DatabaseErrors pass through. */
export function wrapQueryError(err: unknown, text: string): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const base = messageOf(err);
  const code = sqlStateOf(err);
  const firstLine = text.trim().split('\n', 1)[0]?.slice(0, 120) ?? '';
  return new DatabaseError(`${base}${code ? ` (SQLSTATE ${code})` : ''} in: ${firstLine}`, { cause: err });
}

/**
 * The embedded database (PGlite) is one process only and another live process holds it.
 * What to do: stop the other process, or point DATABASE_URL at a server Postgres.
 */
export class EmbeddedDatabaseBusyError extends Error {
  override readonly name = 'EmbeddedDatabaseBusyError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly host?: string,
  ) {
    super(
      `the embedded database at ${dataDir} is in use by process ${pid}${host ? ` on ${host}` : ''}; ` +
        'set DATABASE_URL to use a server Postgres for concurrent processes',
    );
  }
}

/** The database has no citi-sync schema, or an older one. What to do: run `citi-sync migrate`. */
export class MigrationRequiredError extends Error {
  override readonly name = 'MigrationRequiredError';
  constructor(
    readonly pending: number,
    detail: string,
  ) {
    super(`${detail}: run \`citi-sync migrate\` first`);
  }
}

/** The database was migrated by a newer citi-sync. What to do: upgrade citi-sync. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor() {
    super('the database schema is newer than this citi-sync version: upgrade citi-sync');
  }
}

/**
 * The server ended a session we held (pg_terminate_backend, a restart, a dropped socket): every
 * session-level lock on it is gone. What to do: stop the work those locks guarded; start again later.
 */
export class SessionLostError extends Error {
  override readonly name = 'SessionLostError';
  constructor(cause: unknown) {
    super(`the database session holding the sync locks was lost (${messageOf(cause)}); stopped so that no two syncs of one connection run at once`, { cause });
  }
}
