import type { Queryable } from '../../db/database.ts';

export interface ConnectionState {
  id: string;
  status: string;
  statusReason: string | null;
}

/** The connection's status, or undefined when it no longer exists (removed with --purge). */
export async function connectionState(q: Queryable, connectionId: string): Promise<ConnectionState | undefined> {
  const { rows } = await q.query<{ id: string; status: string; status_reason: string | null }>(
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

export async function activeSchedules(q: Queryable): Promise<Array<{ id: string; schedule: string }>> {
  const { rows } = await q.query<{ id: string; schedule: string }>(
    `SELECT id, schedule FROM citi_sync.connections WHERE status = 'active' AND schedule IS NOT NULL ORDER BY id`,
  );
  return rows;
}
