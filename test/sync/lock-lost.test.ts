/**
 * RELIABILITY C: the advisory locks of a sync live on one database session. When the server ends
 * that session, the locks are gone and another process could start the same sync; the first one
 * must stop (an AbortSignal through the engine), so two syncs of one connection never overlap.
 * Server Postgres only: PGlite's one in-process session cannot be lost apart from the database.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDays, monthsBefore } from '../../src/citi/index.ts';
import type { Database, QueryResult } from '../../src/db/database.ts';
import { SessionLostError } from '../../src/db/errors.ts';
import { accountLockKey, connectionLockKey, syncConnection, type ProgressEvent } from '../../src/sync/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { harness, liveKeys, storedTransactions, truthKeys, TODAY, type Harness } from './harness.ts';

describe('losing the lock session mid-sync (Postgres)', () => {
  let t: TestDatabase;
  let h: Harness;
  beforeEach(async () => {
    t = await createTestDatabase();
    // Many slow pages in either dialect, so the sync is surely mid-way when its session is ended:
    // 30-day windows one at a time (US v2 answers a whole window in one page), 40 ms a page; the kill
    // after 3 pages leaves well over a second of walking (about 25 windows an account in US, 13 in SG).
    h = await harness(t.db, {
      sandbox: { profile: { users: 1, accountsPerUser: 3, historyMonths: 24 }, faults: { latencyMs: 40 } },
      settings: { windowConcurrency: 1, accountConcurrency: 3, windowDays: 30 },
    });
  });
  afterEach(async () => {
    await h.close();
    await t.drop();
  });

  it('stops the sync, and a second sync started at once never runs beside it; the data ends exact', async () => {
    const { userId } = await h.connect('c1');
    const events: Array<{ who: 'A' | 'B'; at: number; e: ProgressEvent }> = [];
    const track = (who: 'A' | 'B') => (e: ProgressEvent) => events.push({ who, at: performance.now(), e });
    const first = syncConnection(h.deps, 'c1', { trigger: 'cli', onProgress: track('A') }).then(
      (r) => ({ ok: true as const, r, at: performance.now() }),
      (err: unknown) => ({ ok: false as const, err, at: performance.now() }),
    );
    // Wait for pages to land, then end the lock's session the way an operator or a failover would.
    while (events.filter((x) => x.e.type === 'page').length < 3) await new Promise((r) => setTimeout(r, 20));
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    let terminated: number[];
    try {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND a.datname = current_database()`,
      );
      terminated = rows.map((r) => r.pid);
      for (const pid of terminated) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    expect(terminated).toHaveLength(1);

    // The second sync finds the lock free at once (it died with the session).
    const second = await syncConnection(h.deps, 'c1', { trigger: 'cli', waitMs: 0, onProgress: track('B') });
    const a = await first;
    expect(a.ok).toBe(false);
    expect(a.ok ? undefined : a.err).toBeInstanceOf(SessionLostError);
    expect((a as { err: Error }).err.message).toMatch(/^the database session holding the sync locks was lost \(.*\); stopped so that no two syncs of one connection run at once$/);

    // Never two at once: every page of A was written before B's first one.
    const firstB = events.find((x) => x.who === 'B' && x.e.type === 'page')!.at;
    const lastA = Math.max(...events.filter((x) => x.who === 'A' && x.e.type === 'page').map((x) => x.at));
    expect(lastA).toBeLessThan(firstB);
    expect(a.at).toBeLessThan(firstB);

    expect(second.status).toBe('succeeded');
    // A's connection run is closed, failed with the reason; none is left running.
    const { rows: runs } = await t.db.query<{ account_id: string | null; status: string; error: string | null }>(
      `SELECT account_id, status, error FROM citi_sync.sync_runs WHERE id <> $1 AND parent_id IS DISTINCT FROM $1 ORDER BY account_id NULLS FIRST`,
      [second.runId],
    );
    expect(runs[0]).toEqual({ account_id: null, status: 'failed', error: expect.stringMatching(/^SessionLostError: the database session holding the sync locks was lost/) });
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    // The market's history (US 24 months, Asia-Pacific 12), from the day after.
    const from = addDays(monthsBefore(TODAY, h.client.dialect.historyMonths), 1);
    expect(liveKeys(await storedTransactions(t.db, 'c1'))).toEqual(truthKeys(h.sandbox, userId, from));
  });
});

/**
 * `db`, except that the first lock-session statement `match` picks is replaced by one that makes the
 * server end the session while it runs: the statement fails the way a pg_terminate_backend, a
 * failover or a dropped socket would make it fail, at exactly that step.
 */
function endSessionAt(db: Database, match: (text: string, params: unknown[] | undefined) => boolean): Database {
  let done = false;
  return {
    kind: db.kind,
    query: <R,>(text: string, params?: unknown[]) => db.query<R>(text, params),
    transaction: (fn) => db.transaction(fn),
    withSession: (fn) =>
      db.withSession((s, lost) =>
        fn(
          {
            query: <R,>(text: string, params?: unknown[]): Promise<QueryResult<R>> => {
              if (done || !match(text, params)) return s.query<R>(text, params);
              done = true;
              return s.query<R>('SELECT pg_terminate_backend(pg_backend_pid())');
            },
          },
          lost,
        ),
      ),
    applyMigrations: (config, lock) => db.applyMigrations(config, lock),
    close: () => db.close(),
  };
}

async function connectionRuns(db: Database): Promise<Array<{ status: string; error: string | null }>> {
  const { rows } = await db.query<{ status: string; error: string | null }>(
    `SELECT status, error FROM citi_sync.sync_runs WHERE account_id IS NULL ORDER BY started_at`,
  );
  return rows;
}

describe('losing the lock session at the edges of a sync (Postgres)', () => {
  let t: TestDatabase;
  let h: Harness;
  beforeEach(async () => {
    t = await createTestDatabase();
    h = await harness(t.db, { sandbox: { profile: { users: 1, accountsPerUser: 2, historyMonths: 3 } } });
  });
  afterEach(async () => {
    await h.close();
    await t.drop();
  });

  it('lost while taking an account lock: SessionLostError, and the run is closed failed, not left running', async () => {
    await h.connect('c1');
    const db = endSessionAt(t.db, (text, params) => text.includes('pg_try_advisory_lock') && String(params?.[0]).startsWith(accountLockKey('c1', '')));
    const err = await syncConnection({ ...h.deps, db }, 'c1', { trigger: 'cli' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLostError);
    expect(await connectionRuns(t.db)).toEqual([{ status: 'failed', error: expect.stringMatching(/^SessionLostError: the database session holding the sync locks was lost \(.*terminating connection/) }]);
    // No account was synced without its lock, and no run of any level is left running.
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.sync_runs WHERE account_id IS NOT NULL OR status = 'running'`);
    expect(rows).toEqual([{ n: 0 }]);
    // The locks died with the session: the next sync takes them at once.
    expect((await syncConnection(h.deps, 'c1', { trigger: 'cli', waitMs: 0 })).status).toBe('succeeded');
  });

  it('lost while releasing the connection lock, after the run closed: the sync stands, and nothing raw escapes', async () => {
    await h.connect('c1');
    const db = endSessionAt(t.db, (text, params) => text.includes('pg_advisory_unlock') && params?.[0] === connectionLockKey('c1'));
    const result = await syncConnection({ ...h.deps, db }, 'c1', { trigger: 'cli' });
    expect(result.status).toBe('succeeded');
    expect(await connectionRuns(t.db)).toEqual([{ status: 'succeeded', error: null }]);
    // Ending the session freed the lock, which is all the release was for; the pool works on.
    expect((await syncConnection(h.deps, 'c1', { trigger: 'cli', waitMs: 0 })).status).toBe('succeeded');
  });
});
