import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Database, MigrationConfig, Queryable, QueryResult } from './database.ts';
import type { OpenDatabaseOptions } from './open.ts';
import { DatabaseError, SessionLostError, wrapQueryError } from './errors.ts';
import { nodePostgresTypes } from './typeParsers.ts';
import { isSessionEnded } from './sqlstate.ts';
import { redactUrl, redactUrlsIn } from '../log/redactUrl.ts';

const DEFAULT_POOL_SIZE = 10;

/** A server Postgres behind a node-postgres pool. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  #closed = false;

  constructor(readonly pool: pg.Pool) {}

  async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    try {
      return toResult<R>(await this.pool.query(text, params));
    } catch (err) {
      throw wrapQueryError(err, text);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      const tx = queryableFor(client);
      await tx.query('BEGIN');
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        // The caller needs fn's error, not ROLLBACK's. A failed ROLLBACK means a broken
        // connection, which withClient destroys because we throw.
        await tx.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      await tx.query('COMMIT');
      return result;
    });
  }

  async withSession<T>(fn: (s: Queryable, lost: AbortSignal) => Promise<T>): Promise<T> {
    return this.withClient(async (client, lost, lostSignal, markLost) => {
      const result = await fn(sessionQueryable(client, lostSignal, markLost), lostSignal);
      // The connection goes back to the pool: a transaction or a lock left behind would outlive fn
      // and block others for hours. ROLLBACK outside a transaction is only a notice. A session the
      // server already ended holds nothing any more (and withClient destroys it).
      if (lost()) return result;
      try {
        await client.query('ROLLBACK; SELECT pg_advisory_unlock_all()');
      } catch (err) {
        // Ended while being cleaned: its end released all it held, which is what the cleanup was
        // for, and fn's work finished before it. Not an error; the client is destroyed, not pooled.
        if (!isSessionEnded(err)) throw wrapQueryError(err, 'ROLLBACK; SELECT pg_advisory_unlock_all()');
        markLost(err);
      }
      return result;
    });
  }

  /**
   * Runs fn on one pooled client (drizzle's migrator needs the raw client). When fn throws, the
   * client is destroyed rather than returned: it may hold locks or an open transaction.
   *
   * A checked-out client has no 'error' listener of the pool's, and node-postgres emits 'error' when
   * the server ends the session while no query is running on it (pg_terminate_backend, a restart, a
   * dropped socket): unheard, that event crashed the process (found by the chaos run). It is heard
   * here; the next query on the client fails, and the client is destroyed instead of returned.
   */
  async withClient<T>(
    fn: (client: pg.PoolClient, lost: () => boolean, lostSignal: AbortSignal, markLost: (err: unknown) => void) => Promise<T>,
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw wrapQueryError(err, '(connect)');
    }
    let lostWith: unknown;
    const lostSignal = new AbortController();
    const onError = (err: unknown) => {
      lostWith ??= err;
      lostSignal.abort(new SessionLostError(err));
    };
    // 'end' too: a session ended while a query ran reports the error to that query, not as 'error'.
    const onEnd = () => onError(new Error('the database session ended'));
    client.on('error', onError);
    client.on('end', onEnd);
    try {
      // markLost: a statement that failed because the session ended says so before the socket's
      // 'end' arrives (the error reaches the statement first), so the loss is known at once.
      const result = await fn(client, () => lostWith !== undefined, lostSignal.signal, onError);
      client.off('end', onEnd);
      // A healthy client goes back to the pool (which listens again); a lost one keeps our listener
      // while it is destroyed, so a late 'error' from its socket is heard too.
      if (lostWith === undefined) client.off('error', onError);
      client.release(lostWith === undefined ? undefined : true);
      return result;
    } catch (err) {
      client.off('end', onEnd);
      client.release(true);
      throw err;
    }
  }

  async applyMigrations(config: MigrationConfig, lock: readonly [number, number]): Promise<void> {
    // drizzle's migrator is loaded here only: every other command merely checks the schema.
    const [{ drizzle }, { migrate }] = await Promise.all([import('drizzle-orm/node-postgres'), import('drizzle-orm/node-postgres/migrator')]);
    await this.withClient(async (client) => {
      await client.query('SELECT pg_advisory_lock($1, $2)', [...lock]);
      try {
        // drizzle runs on this very client (not the pool), so the lock covers all it does.
        await migrate(drizzle({ client }), config);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [...lock]);
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}

export async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<PostgresDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? DEFAULT_POOL_SIZE,
    application_name: opts.applicationName ?? 'citi-sync',
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 15_000,
    types: nodePostgresTypes as pg.CustomTypesConfig,
  });
  // An idle client that loses its server (restart, admin_shutdown) emits 'error' on the pool;
  // unhandled, that would crash the process. The pool drops the client and the next query reconnects.
  pool.on('error', (err) => opts.logger?.warn({ err }, 'idle database connection failed'));
  const db = new PostgresDatabase(pool);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseError(`cannot connect to Postgres at ${redactUrl(url)}: ${redactUrlsIn((err as Error).message)}`, { cause: err });
  }
  return db;
}

/**
 * A dedicated session's statements: one that fails because the session ended marks it lost and
 * throws SessionLostError (what was held on it, the sync locks, is gone: stop), not a DatabaseError
 * the caller would have to recognise. Other failures are DatabaseErrors as everywhere.
 */
function sessionQueryable(client: pg.PoolClient, lost: AbortSignal, markLost: (err: unknown) => void): Queryable {
  const plain = queryableFor(client);
  const onFailure = (err: unknown): never => {
    if (!isSessionEnded(err)) throw err;
    markLost(err);
    throw lost.reason;
  };
  return {
    query: <R>(text: string, params?: unknown[]) => plain.query<R>(text, params).catch(onFailure),
    copyFrom: (copySql: string, data: string | readonly string[]) => plain.copyFrom!(copySql, data).catch(onFailure),
  };
}

function queryableFor(client: pg.PoolClient): Queryable {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      try {
        return toResult<R>(await client.query(text, params));
      } catch (err) {
        throw wrapQueryError(err, text);
      }
    },
    async copyFrom(copySql: string, data: string | readonly string[]): Promise<number> {
      try {
        const stream = client.query(copyFromStdin(copySql));
        // A Buffer per piece, made as the stream asks for it: one page's bytes at a time, not the batch's.
        await pipeline(Readable.from(utf8Pieces(typeof data === 'string' ? [data] : data)), stream);
        return stream.rowCount ?? 0;
      } catch (err) {
        throw wrapQueryError(err, copySql);
      }
    },
  };
}

function* utf8Pieces(pieces: readonly string[]): Generator<Buffer> {
  for (const piece of pieces) yield Buffer.from(piece, 'utf8');
}

function toResult<R>(res: pg.QueryResult): QueryResult<R> {
  return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
}
