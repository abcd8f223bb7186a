import type { Queryable } from './database.ts';
import { CONNECTION_STATUSES, type ConnectionStatus, type SyncRunStatus } from './statuses.ts';

/**
 * Connections: one user's consent each, with its OAuth tokens. This module is the only one with SQL
 * on `citi_sync.connections`. It stores and returns tokens only as ciphertext (the `*Enc` fields):
 * src/auth encrypts them before they get here and decrypts them, inside the transaction that also
 * stores the rotated one. db never imports auth.
 */
export type { ConnectionStatus };

/** A connection as stored: its tokens already encrypted (src/auth/consent.ts builds these). */
export interface NewStoredConnection {
  /** User-chosen: a letter or digit, then up to 63 of letters, digits, '.', '_', '-'. */
  id: string;
  refreshTokenEnc: string;
  accessTokenEnc?: string | null;
  accessTokenExpiresAt?: Date | null;
  refreshTokenExpiresAt?: Date | null;
  scopes?: string | null;
  /** The customer's market (ISO 3166 alpha-2). @defaultValue 'US' */
  country?: string | undefined;
}

/** What may be shown: no secrets, not even encrypted ones. */
export interface ConnectionSummary {
  id: string;
  status: ConnectionStatus;
  statusReason: string | null;
  /** The customer's market (US, SG, …). */
  country: string;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
  lastRefreshedAt: Date | null;
  createdAt: Date;
}

export interface ConnectionRecord extends ConnectionSummary {
  accessTokenEnc: string | null;
  refreshTokenEnc: string | null;
  scopes: string | null;
  updatedAt: Date;
}

export const CONNECTION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A connection with this id exists. What to do: pick another id, or pass `replace` to re-link it. */
export class ConnectionExistsError extends Error {
  override readonly name = 'ConnectionExistsError';
  constructor(readonly connectionId: string) {
    super(`a connection with id ${connectionId} already exists; choose another id or replace it (its data is kept)`);
  }
}

/** There is no connection with this id. */
export class ConnectionNotFoundError extends Error {
  override readonly name = 'ConnectionNotFoundError';
  constructor(readonly connectionId: string) {
    super(`no connection with id ${connectionId}`);
  }
}

export function assertConnectionId(id: string): void {
  if (!CONNECTION_ID_PATTERN.test(id)) {
    throw new TypeError(`invalid connection id ${JSON.stringify(id.slice(0, 80))}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

const SUMMARY_COLUMNS = `id, status, status_reason, country, access_token_expires_at, refresh_token_expires_at, last_refreshed_at, created_at`;

interface Row {
  id: string;
  status: ConnectionStatus;
  status_reason: string | null;
  country: string;
  access_token_expires_at: Date | null;
  refresh_token_expires_at: Date | null;
  last_refreshed_at: Date | null;
  created_at: Date;
  access_token_enc?: string | null;
  refresh_token_enc?: string | null;
  scopes?: string | null;
  updated_at?: Date;
}

/**
 * Stores a new connection (status active). With `replace`, an existing connection of that id gets
 * the new tokens and becomes active again; its accounts and transactions are kept.
 */
export async function insertConnection(
  db: Queryable,
  input: NewStoredConnection,
  opts: { replace?: boolean } = {},
): Promise<ConnectionSummary> {
  assertConnectionId(input.id);
  if (!input.refreshTokenEnc) throw new TypeError('insertConnection: refreshTokenEnc is empty');
  const country = (input.country ?? 'US').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new TypeError(`invalid country ${JSON.stringify(country.slice(0, 20))}: use a two-letter code such as US or SG`);
  const params = [
    input.id,
    input.accessTokenEnc ?? null,
    input.accessTokenEnc ? (input.accessTokenExpiresAt ?? null) : null,
    input.refreshTokenEnc,
    input.refreshTokenExpiresAt ?? null,
    input.scopes ?? null,
    country,
  ];
  const onConflict = opts.replace
    ? `DO UPDATE SET status = 'active', status_reason = NULL,
         access_token_enc = excluded.access_token_enc, access_token_expires_at = excluded.access_token_expires_at,
         refresh_token_enc = excluded.refresh_token_enc, refresh_token_expires_at = excluded.refresh_token_expires_at,
         scopes = excluded.scopes, country = excluded.country, updated_at = now()`
    : 'DO NOTHING';
  const { rows } = await db.query<Row>(
    `INSERT INTO citi_sync.connections
       (id, access_token_enc, access_token_expires_at, refresh_token_enc, refresh_token_expires_at, scopes, country)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) ${onConflict}
     RETURNING ${SUMMARY_COLUMNS}`,
    params,
  );
  const row = rows[0];
  if (!row) throw new ConnectionExistsError(input.id);
  return toSummary(row);
}

/** The market of a connection (its syncs speak that dialect); undefined when there is no such connection. */
export async function connectionCountry(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ country: string }>(`SELECT country FROM citi_sync.connections WHERE id = $1`, [id]);
  return rows[0]?.country;
}

/** Every connection, oldest first. */
export async function listConnections(db: Queryable): Promise<ConnectionSummary[]> {
  const { rows } = await db.query<Row>(`SELECT ${SUMMARY_COLUMNS} FROM citi_sync.connections ORDER BY created_at, id`);
  return rows.map(toSummary);
}

/**
 * One connection with its encrypted tokens, or undefined. `forUpdate` locks the row until the
 * caller's transaction ends (serialising token refreshes of one connection).
 */
export async function getConnection(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<ConnectionRecord | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${SUMMARY_COLUMNS}, access_token_enc, refresh_token_enc, scopes, updated_at
       FROM citi_sync.connections WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    ...toSummary(row),
    accessTokenEnc: row.access_token_enc ?? null,
    refreshTokenEnc: row.refresh_token_enc ?? null,
    scopes: row.scopes ?? null,
    updatedAt: row.updated_at ?? row.created_at,
  };
}

/**
 * Stops syncing a connection. By default it becomes 'revoked', its tokens and its schedule are
 * deleted, while its accounts, transactions and runs stay for analysis. With `purge` the connection
 * and all its rows are deleted (see purgeConnection). Revoking the grant at Citi is the caller's job
 * (before this, while a token exists), as is holding the connection's sync locks.
 * @returns false when there is no such connection (for `purge`: when it had no row left at all)
 */
export async function removeConnection(db: Queryable, id: string, opts: { purge?: boolean } = {}): Promise<boolean> {
  if (opts.purge) {
    const gone = await purgeConnection(db, id);
    return gone.connection || gone.transactions > 0;
  }
  const { rowCount } = await db.query(
    `UPDATE citi_sync.connections
        SET status = 'revoked', status_reason = 'removed by the user',
            access_token_enc = NULL, access_token_expires_at = NULL,
            refresh_token_enc = NULL, refresh_token_expires_at = NULL, schedule = NULL, updated_at = now()
      WHERE id = $1`,
    [id],
  );
  return rowCount > 0;
}

/**
 * Deletes the connection and every row of it, in one statement (so in one transaction).
 * Accounts, statements, balances, sync state, windows and runs go by ON DELETE CASCADE;
 * transactions have no foreign key (migration 0003), so they are deleted explicitly, by
 * connection_id, even when the connection row is already gone: a purge run again deletes what an
 * interrupted or older one left behind, and is otherwise a no-op.
 */
export async function purgeConnection(db: Queryable, id: string): Promise<{ connection: boolean; transactions: number }> {
  const { rows } = await db.query<{ connection: boolean; transactions: number }>(
    `WITH tx AS (DELETE FROM citi_sync.transactions WHERE connection_id = $1 RETURNING 1),
          conn AS (DELETE FROM citi_sync.connections WHERE id = $1 RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM conn) AS connection, (SELECT count(*) FROM tx)::int AS transactions`,
    [id],
  );
  return rows[0] ?? { connection: false, transactions: 0 };
}

/** The connection's recorded schedule (`schedule` / `connection add --schedule`), if any. */
export async function connectionSchedule(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query<{ schedule: string | null }>(`SELECT schedule FROM citi_sync.connections WHERE id = $1`, [id]);
  return rows[0]?.schedule ?? null;
}

/** Sets the status and its reason (shown to the user), e.g. 'needs_reauth' after invalid_grant. */
export async function setStatus(db: Queryable, id: string, status: ConnectionStatus, reason: string | null): Promise<void> {
  if (!(CONNECTION_STATUSES as readonly string[]).includes(status)) throw new TypeError(`invalid connection status ${status}`);
  const { rowCount } = await db.query(
    `UPDATE citi_sync.connections SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1`,
    [id, status, reason],
  );
  if (rowCount === 0) throw new ConnectionNotFoundError(id);
}

function toSummary(row: Row): ConnectionSummary {
  return {
    id: row.id,
    status: row.status,
    statusReason: row.status_reason,
    country: row.country,
    accessTokenExpiresAt: row.access_token_expires_at,
    refreshTokenExpiresAt: row.refresh_token_expires_at,
    lastRefreshedAt: row.last_refreshed_at,
    createdAt: row.created_at,
  };
}

/** The tokens a refresh stores: encrypted, the rotated refresh token with them. */
export interface RefreshedTokensEnc {
  accessTokenEnc: string;
  accessTokenExpiresAt: Date;
  refreshTokenEnc: string;
  refreshTokenExpiresAt: Date | null | undefined;
  scopes: string | null | undefined;
}

/** Stores a refresh's tokens (moved from src/auth/tokens.ts; run under the row lock of getConnection). */
export async function storeRefreshedTokens(tx: Queryable, id: string, t: RefreshedTokensEnc): Promise<void> {
  await tx.query(
    `UPDATE citi_sync.connections SET access_token_enc = $2, access_token_expires_at = $3,
       refresh_token_enc = $4, refresh_token_expires_at = $5, scopes = coalesce($6, scopes),
       status_reason = CASE WHEN status = 'active' THEN NULL ELSE status_reason END,
       last_refreshed_at = now(), updated_at = now() WHERE id = $1`,
    [id, t.accessTokenEnc, t.accessTokenExpiresAt, t.refreshTokenEnc, t.refreshTokenExpiresAt ?? null, t.scopes ?? null],
  );
}

/**
 * A refresh lost its answer (RELIABILITY K): the connection stays active, with the hazard as its
 * reason, shown by `citi-sync status`; the next successful refresh clears it.
 */
export async function noteGrantAtRisk(q: Queryable, id: string, reason: string): Promise<void> {
  await q.query(`UPDATE citi_sync.connections SET status_reason = $2, updated_at = now() WHERE id = $1 AND status = 'active'`, [id, reason]);
}

/** invalid_grant: the consent is gone; the access token goes with it. */
export async function markNeedsReauth(tx: Queryable, id: string, reason: string): Promise<void> {
  await tx.query(
    `UPDATE citi_sync.connections SET status = 'needs_reauth', status_reason = $2,
       access_token_enc = NULL, updated_at = now() WHERE id = $1`,
    [id, reason],
  );
}

/** One stored token (the newest refresh token), to check the encryption key at start-up; or undefined. */
export async function anyStoredToken(q: Queryable): Promise<{ id: string; tokenEnc: string } | undefined> {
  const { rows } = await q.query<{ id: string; refresh_token_enc: string }>(
    `SELECT id, refresh_token_enc FROM citi_sync.connections WHERE refresh_token_enc IS NOT NULL ORDER BY updated_at DESC, id LIMIT 1`,
  );
  const r = rows[0];
  return r ? { id: r.id, tokenEnc: r.refresh_token_enc } : undefined;
}

// Moved from src/queue/sql/connections.ts: what the worker and the CLI's schedule commands read.

export interface ConnectionState {
  id: string;
  status: ConnectionStatus;
  statusReason: string | null;
}

/** The connection's status, or undefined when it no longer exists (removed with --purge). */
export async function connectionState(q: Queryable, connectionId: string): Promise<ConnectionState | undefined> {
  const { rows } = await q.query<{ id: string; status: ConnectionStatus; status_reason: string | null }>(
    `SELECT id, status, status_reason FROM citi_sync.connections WHERE id = $1`,
    [connectionId],
  );
  const r = rows[0];
  return r ? { id: r.id, status: r.status, statusReason: r.status_reason } : undefined;
}

export async function activeConnectionIds(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(`SELECT id FROM citi_sync.connections WHERE status = 'active' ORDER BY id`);
  return rows.map((r) => r.id);
}

/**
 * Active consents whose refresh token lapses before `before`. A token never refreshed by us has no
 * known expiry: it is taken to have been issued when the connection was added (refresh tokens live
 * 30 days, contract §1).
 */
export async function connectionsExpiringBefore(q: Queryable, before: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM (
       SELECT id, coalesce(refresh_token_expires_at, coalesce(last_refreshed_at, created_at) + interval '30 days') AS expires_at
         FROM citi_sync.connections WHERE status = 'active' AND refresh_token_enc IS NOT NULL) c
      WHERE expires_at < $1
      ORDER BY expires_at, id`,
    [before],
  );
  return rows.map((r) => r.id);
}

/** Records a connection's schedule (or null when unscheduled): Postgres is its durable home. */
export async function setSchedule(q: Queryable, connectionIds: string[], schedule: string | null): Promise<void> {
  if (connectionIds.length === 0) return;
  await q.query(`UPDATE citi_sync.connections SET schedule = $2, updated_at = now() WHERE id = ANY ($1::text[])`, [connectionIds, schedule]);
}

/** Forgets every recorded schedule (`unschedule --all`, including ones Redis no longer knew about). */
export async function clearAllSchedules(q: Queryable): Promise<void> {
  await q.query(`UPDATE citi_sync.connections SET schedule = NULL, updated_at = now() WHERE schedule IS NOT NULL`);
}

export async function activeSchedules(q: Queryable): Promise<Array<{ id: string; schedule: string }>> {
  const { rows } = await q.query<{ id: string; schedule: string }>(
    `SELECT id, schedule FROM citi_sync.connections WHERE status = 'active' AND schedule IS NOT NULL ORDER BY id`,
  );
  return rows;
}

// Moved from src/queue/status.ts and src/queue/metrics.ts: per-connection read models.

export interface ConnectionOverviewRow {
  id: string;
  status: ConnectionStatus;
  status_reason: string | null;
  accounts: number;
  live_rows: string;
  run_started: Date | null;
  run_finished: Date | null;
  run_status: SyncRunStatus | null;
  run_inserted: number | null;
  run_updated: number | null;
  run_error: string | null;
  last_success: Date | null;
}

/** Every connection with its counts, its latest connection run and its last success (`status`). */
export async function connectionOverview(db: Queryable): Promise<ConnectionOverviewRow[]> {
  const { rows } = await db.query<ConnectionOverviewRow>(
    `SELECT c.id, c.status, c.status_reason,
            (SELECT count(*)::int FROM citi_sync.accounts a WHERE a.connection_id = c.id) AS accounts,
            (SELECT count(*)::text FROM citi_sync.transactions t WHERE t.connection_id = c.id AND t.removed_at IS NULL) AS live_rows,
            r.started_at AS run_started, r.finished_at AS run_finished, r.status AS run_status,
            r.rows_inserted AS run_inserted, r.rows_updated AS run_updated, r.error AS run_error,
            (SELECT max(s.finished_at) FROM citi_sync.sync_runs s
              WHERE s.connection_id = c.id AND s.account_id IS NULL AND s.status = 'succeeded') AS last_success
       FROM citi_sync.connections c
       LEFT JOIN LATERAL (SELECT * FROM citi_sync.sync_runs s WHERE s.connection_id = c.id AND s.account_id IS NULL
                           ORDER BY s.started_at DESC LIMIT 1) r ON true
      ORDER BY c.id`,
  );
  return rows;
}

/** Seconds since each active connection's last successful connection run (absent: never). */
export async function secondsSinceLastSuccess(db: Queryable): Promise<Array<{ connectionId: string; seconds: number }>> {
  const { rows } = await db.query<{ connection_id: string; seconds: string }>(
    `SELECT c.id AS connection_id, extract(epoch FROM now() - max(r.finished_at))::text AS seconds
       FROM citi_sync.connections c JOIN citi_sync.sync_runs r ON r.connection_id = c.id
      WHERE c.status = 'active' AND r.account_id IS NULL AND r.status = 'succeeded'
      GROUP BY c.id`,
  );
  return rows.map((r) => ({ connectionId: r.connection_id, seconds: Number(r.seconds) }));
}

export interface ConnectionHealth {
  id: string;
  status: string;
  schedule: string | null;
  lastSuccessAt: Date | null;
}

/** Every connection's state, schedule and last success: what the alerting gauges report. */
export async function connectionHealth(q: Queryable): Promise<ConnectionHealth[]> {
  const { rows } = await q.query<{ id: string; status: string; schedule: string | null; last_success: Date | null }>(
    `SELECT c.id, c.status, c.schedule,
            (SELECT max(r.finished_at) FROM citi_sync.sync_runs r
              WHERE r.connection_id = c.id AND r.account_id IS NULL AND r.status = 'succeeded') AS last_success
       FROM citi_sync.connections c
      WHERE c.status <> 'removed'
      ORDER BY c.id`,
  );
  return rows.map((r) => ({ id: r.id, status: r.status, schedule: r.schedule, lastSuccessAt: r.last_success }));
}
