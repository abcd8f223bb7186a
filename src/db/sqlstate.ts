import { causeChain } from '../log/errorText.ts';
/**
 * Postgres SQLSTATE codes citi-sync reacts to, under their names from the Postgres manual
 * (Appendix A, "PostgreSQL Error Codes"). Code compares against names, never bare strings.
 */
export const SqlState = {
  unique_violation: '23505',
  foreign_key_violation: '23503',
  not_null_violation: '23502',
  check_violation: '23514',
  serialization_failure: '40001',
  deadlock_detected: '40P01',
  lock_not_available: '55P03',
  object_in_use: '55006',
  query_canceled: '57014',
  admin_shutdown: '57P01',
  crash_shutdown: '57P02',
  cannot_connect_now: '57P03',
  too_many_connections: '53300',
  insufficient_privilege: '42501',
  undefined_table: '42P01',
  undefined_object: '42704',
  duplicate_object: '42710',
  duplicate_database: '42P04',
  invalid_schema_name: '3F000',
  invalid_catalog_name: '3D000',
  read_only_sql_transaction: '25006',
} as const;

export type SqlStateName = keyof typeof SqlState;

const NAME_BY_CODE = new Map<string, SqlStateName>(
  (Object.entries(SqlState) as Array<[SqlStateName, string]>).map(([name, code]) => [code, name]),
);

/** Worth retrying the whole transaction: another session won a race, or the server is restarting. */
const RETRYABLE_CODES = new Set<string>([
  SqlState.serialization_failure,
  SqlState.deadlock_detected,
  SqlState.lock_not_available,
  SqlState.admin_shutdown,
  SqlState.crash_shutdown,
  SqlState.cannot_connect_now,
  SqlState.too_many_connections,
  // A hot standby promoted or a failover in progress.
  SqlState.read_only_sql_transaction,
]);

/** Socket-level failures (node errno codes): the connection is gone, a new one may work. */
const RETRYABLE_ERRNO = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** SQLSTATEs the server sends as it ends the session (class 08 aside). */
const SESSION_ENDED_CODES = new Set<string>([SqlState.admin_shutdown, SqlState.crash_shutdown, SqlState.cannot_connect_now]);

/** Socket-level failures that end the session they happen on. */
const SESSION_ENDED_ERRNO = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** node-postgres reports a dropped connection only by message. */
const CONNECTION_LOST = /Connection terminated|connection is closed|Client has encountered a connection error/i;

/** The SQLSTATE of an error or of any error in its `cause` chain. */
export function sqlStateOf(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** The name of a known SQLSTATE (`'unique_violation'`), or undefined. */
export function sqlStateName(err: unknown): SqlStateName | undefined {
  const code = sqlStateOf(err);
  return code === undefined ? undefined : NAME_BY_CODE.get(code);
}

export function isSqlState(err: unknown, name: SqlStateName): boolean {
  return sqlStateOf(err) === SqlState[name];
}

/**
 * True when running the same transaction again may succeed: serialization failures, deadlocks,
 * lock timeouts, a server shutting down or refusing connections, a broken connection (SQLSTATE
 * class 08 or a socket error). Constraint violations and syntax errors are never retryable.
 */
export function isRetryablePgError(err: unknown): boolean {
  const code = sqlStateOf(err);
  if (code !== undefined) return RETRYABLE_CODES.has(code) || code.startsWith('08');
  for (const e of causeChain(err)) {
    const errno = (e as { code?: unknown }).code;
    if (typeof errno === 'string' && RETRYABLE_ERRNO.has(errno)) return true;
    if (e instanceof Error && CONNECTION_LOST.test(e.message)) return true;
  }
  return false;
}

/**
 * True when the statement failed because its session is gone (pg_terminate_backend, a server
 * shutdown or crash, a dropped socket, or any FATAL error): whatever lived on the session, such as
 * advisory locks, is gone with it. A statement that merely failed (a constraint, a cancel, a
 * statement timeout) leaves the session, and its locks, in place.
 */
export function isSessionEnded(err: unknown): boolean {
  for (const e of causeChain(err)) {
    const { code, severity } = e as { code?: unknown; severity?: unknown };
    if (severity === 'FATAL' || severity === 'PANIC') return true;
    if (typeof code === 'string' && (SESSION_ENDED_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || SESSION_ENDED_ERRNO.has(code))) return true;
    if (e instanceof Error && CONNECTION_LOST.test(e.message)) return true;
  }
  return false;
}
