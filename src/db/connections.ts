import type { TokenCipher } from '../auth/crypto.ts';
import type { TokenSet } from '../citi/index.ts';
import type { Queryable } from './database.ts';
import { CONNECTION_STATUSES } from './schema.ts';

/**
 * Connections: one user's consent each, with its OAuth tokens. Tokens are encrypted before they
 * reach SQL, and no function here returns a token: callers that need one (src/auth) decrypt the
 * `*Enc` columns themselves, inside the transaction that also stores the rotated one.
 */
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export interface NewConnection {
  /** User-chosen: a letter or digit, then up to 63 of letters, digits, '.', '_', '-'. */
  id: string;
  refreshToken: string;
  accessToken?: string;
  accessTokenExpiresAt?: Date;
  refreshTokenExpiresAt?: Date;
  scopes?: string;
  /** The customer's market (ISO 3166 alpha-2, e.g. US, SG): the API dialect its syncs speak. @defaultValue 'US' */
  country?: string;
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
export async function addConnection(
  db: Queryable,
  cipher: TokenCipher,
  input: NewConnection,
  opts: { replace?: boolean } = {},
): Promise<ConnectionSummary> {
  assertConnectionId(input.id);
  if (!input.refreshToken) throw new TypeError('addConnection: refreshToken is empty');
  const country = (input.country ?? 'US').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new TypeError(`invalid country ${JSON.stringify(country.slice(0, 20))}: use a two-letter code such as US or SG`);
  const params = [
    input.id,
    input.accessToken ? cipher.encrypt(input.accessToken) : null,
    input.accessToken ? (input.accessTokenExpiresAt ?? null) : null,
    cipher.encrypt(input.refreshToken),
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

/** Stores (or replaces) a consent from the tokens the OAuth code flow returned, for a customer of `country`. */
export async function saveConsent(db: Queryable, cipher: TokenCipher, id: string, tokens: TokenSet, country = 'US'): Promise<ConnectionSummary> {
  return addConnection(
    db,
    cipher,
    {
      id,
      refreshToken: tokens.refreshToken,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: tokens.expiresAt,
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
      scopes: tokens.scope,
      country,
    },
    { replace: true },
  );
}
