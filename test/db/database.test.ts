import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { DatabaseError, SessionLostError } from '../../src/db/errors.ts';
import { isRetryablePgError, isSessionEnded, SqlState, sqlStateName } from '../../src/db/sqlstate.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const backends = [
  ['postgres', createTestDatabase],
  ['pglite', createPgliteTestDatabase],
] as const;

describe.each(backends)('Database on %s', (name, create) => {
  let t: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    t = await create();
    db = t.db;
  });
  afterAll(() => t.drop());

  it('says which backend it is', () => {
    expect(db.kind).toBe(name);
  });

  it('commits a transaction and returns its result', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO citi_sync.connections (id) VALUES ('committed')`);
      return 7;
    });
    expect(result).toBe(7);
    expect((await db.query(`SELECT id FROM citi_sync.connections WHERE id = 'committed'`)).rows).toEqual([{ id: 'committed' }]);
  });

  it('rolls a transaction back when fn throws, and rethrows the same error', async () => {
    const boom = new Error('boom');
    const err = await db
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO citi_sync.connections (id) VALUES ('rolled-back')`);
        throw boom;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect((await db.query(`SELECT id FROM citi_sync.connections WHERE id = 'rolled-back'`)).rows).toEqual([]);
  });

  it('wraps SQL errors as DatabaseError with the SQLSTATE, its name and the constraint', async () => {
    await db.query(`INSERT INTO citi_sync.connections (id) VALUES ('dup')`);
    const err = await db.query(`INSERT INTO citi_sync.connections (id) VALUES ($1)`, ['dup']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    const e = err as DatabaseError;
    expect(e.sqlstate).toBe(SqlState.unique_violation);
    expect(e.condition).toBe('unique_violation');
    expect(e.constraint).toBe('connections_pkey');
    expect(e.retryable).toBe(false);
    expect(e.cause).toBeDefined();
    expect(e.message).toMatch(/duplicate key.*\(SQLSTATE 23505\) in: INSERT INTO citi_sync\.connections/);

    const check = await db.query(`INSERT INTO citi_sync.connections (id, status) VALUES ('x', 'weird')`).catch((e2: unknown) => e2);
    expect(sqlStateName(check)).toBe('check_violation');
  });

  it('releases advisory locks a session left behind', async () => {
    await db.withSession(async (s) => {
      await s.query('SELECT pg_advisory_lock(42, 42)');
    });
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 42 AND objid = 42`,
    );
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('runs withSession callers one at a time on a dedicated session', async () => {
    const order: string[] = [];
    const hold = (label: string) =>
      db.withSession(async (s) => {
        order.push(`${label}:start`);
        const { rows } = await s.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(7, 7) AS ok');
        await new Promise((r) => setTimeout(r, 50));
        await s.query('SELECT pg_advisory_unlock(7, 7)');
        order.push(`${label}:end`);
        return rows[0]?.ok;
      });
    const results = await Promise.all([hold('a'), hold('b')]);
    // On a server both sessions may run at once, but only one holds the lock at a time;
    // on PGlite they are serialised, so both get it in turn.
    if (name === 'pglite') {
      expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
      expect(results).toEqual([true, true]);
    } else {
      expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('PGlite guards against self-deadlock', () => {
  it('db.query or db.transaction inside a transaction throws instead of hanging', async () => {
    const t = await createPgliteTestDatabase();
    try {
      await expect(t.db.transaction(() => t.db.query('SELECT 1'))).rejects.toThrow(/use the transaction handle/);
      await expect(t.db.transaction(() => t.db.transaction(async () => 1))).rejects.toThrow(/inside another transaction/);
      // Nested withSession (re-entrant) does not wait for itself.
      expect(await t.db.withSession(() => t.db.withSession(async (s) => (await s.query('SELECT 1 AS x')).rows))).toEqual([{ x: 1 }]);
    } finally {
      await t.drop();
    }
  });
});

describe('server Postgres session behaviour', () => {
  it('holds an advisory lock on one session across queries, excluding another session', async () => {
    const t = await createTestDatabase();
    try {
      await t.db.withSession(async (s) => {
        expect((await s.query('SELECT pg_try_advisory_lock(9, 9) AS ok')).rows).toEqual([{ ok: true }]);
        const other = await t.db.withSession((s2) => s2.query('SELECT pg_try_advisory_lock(9, 9) AS ok'));
        expect(other.rows).toEqual([{ ok: false }]);
      });
    } finally {
      await t.drop();
    }
  });

  it('rolls back a transaction a session left open before pooling its connection', async () => {
    const t = await createTestDatabase({ migrated: true });
    try {
      await t.db.withSession(async (s) => {
        await s.query('BEGIN');
        await s.query(`INSERT INTO citi_sync.connections (id) VALUES ('left-open')`);
      });
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`);
      expect(rows).toEqual([{ n: 0 }]);
      expect((await t.db.query(`SELECT id FROM citi_sync.connections`)).rows).toEqual([]);
    } finally {
      await t.drop();
    }
  });

  it('a session the server ends mid-statement throws SessionLostError (retryable, the statement named) and aborts `lost`', async () => {
    const t = await createTestDatabase();
    try {
      let aborted: unknown;
      const err = await t.db
        .withSession(async (s, lost) => {
          await s.query('SELECT pg_terminate_backend(pg_backend_pid())').finally(() => (aborted = lost.reason));
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionLostError);
      // Known at once, not when the socket's end arrives later: the caller's signal has aborted.
      expect(aborted).toBe(err);
      expect((err as Error).cause).toBeInstanceOf(DatabaseError);
      expect((err as Error).message).toMatch(/\(terminating connection due to administrator command \(SQLSTATE 57P01\) in: SELECT pg_terminate_backend/);
      expect(isRetryablePgError(err)).toBe(true);
      // The pool replaces the dead connection.
      expect((await t.db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await t.drop();
    }
  });

  it('a statement that merely fails on a session leaves it (and its locks) in place', async () => {
    const t = await createTestDatabase();
    try {
      await t.db.withSession(async (s, lost) => {
        await s.query('SELECT pg_advisory_lock(9, 9)');
        const err = await s.query('SELECT 1/0').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DatabaseError);
        expect(lost.aborted).toBe(false);
        expect((await s.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`)).rows).toEqual([{ n: 1 }]);
      });
    } finally {
      await t.drop();
    }
  });
});

describe('isSessionEnded', () => {
  it('is true for what ends a session, false for what fails a statement', () => {
    const pgErr = (code: string, severity = 'ERROR') => Object.assign(new Error('x'), { code, severity });
    expect(isSessionEnded(pgErr('57P01', 'FATAL'))).toBe(true);
    expect(isSessionEnded(pgErr('57P02'))).toBe(true);
    expect(isSessionEnded(pgErr('08006'))).toBe(true);
    expect(isSessionEnded(pgErr('25P03', 'FATAL'))).toBe(true);
    expect(isSessionEnded(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isSessionEnded(new Error('wrapped', { cause: new Error('Connection terminated unexpectedly') }))).toBe(true);
    expect(isSessionEnded(pgErr('57014'))).toBe(false);
    expect(isSessionEnded(pgErr('40001'))).toBe(false);
    expect(isSessionEnded(pgErr('23505'))).toBe(false);
    expect(isSessionEnded('nope')).toBe(false);
  });
});

describe('isRetryablePgError', () => {
  it('retries races and restarts, not constraint or syntax errors', () => {
    const pgErr = (code: string) => Object.assign(new Error('x'), { code });
    expect(isRetryablePgError(pgErr('40001'))).toBe(true);
    expect(isRetryablePgError(pgErr('40P01'))).toBe(true);
    expect(isRetryablePgError(pgErr('55P03'))).toBe(true);
    expect(isRetryablePgError(pgErr('57P01'))).toBe(true);
    expect(isRetryablePgError(pgErr('08006'))).toBe(true);
    expect(isRetryablePgError(pgErr('23505'))).toBe(false);
    expect(isRetryablePgError(pgErr('42601'))).toBe(false);
    expect(isRetryablePgError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryablePgError(new Error('wrapped', { cause: pgErr('40001') }))).toBe(true);
    expect(isRetryablePgError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetryablePgError('nope')).toBe(false);
  });
});
