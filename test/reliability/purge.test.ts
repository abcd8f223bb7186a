import pg from 'pg';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConnectionUnusableError } from '../../src/auth/errors.ts';
import { removeConnectionSafely } from '../../src/cli/connectionRemoval.ts';
import type { Database } from '../../src/db/database.ts';
import { parseInterval } from '../../src/queue/interval.ts';
import { openQueues } from '../../src/queue/queues.ts';
import { listSchedules, scheduleConnection } from '../../src/queue/scheduling.ts';
import { setSchedule } from '../../src/db/connections.ts';
import { syncAccount, syncConnection, tokensFor } from '../../src/sync/index.ts';
import { storedAccounts } from '../../src/sync/sql/accounts.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { randomQueuePrefix, testRedisUrl } from '../helpers/redis.ts';
import { inProcWorld } from './support/inproc.ts';
import { lines, runCli, spawnCli } from './support/cli.ts';
import { relWorld } from './support/world.ts';

/**
 * Issue 10 item 5: `connection remove --purge` during a sync left 6,072 orphaned transactions in
 * analytics.transactions, the sync died on a raw foreign-key error and a second purge exited 2.
 * `connection remove` neither revoked the grant at Citi nor removed the schedule.
 */

/** Rows of the connection in every citi_sync table that has a connection_id (new tables included). */
async function rowsOf(db: Database, connectionId: string): Promise<Record<string, number>> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = 'citi_sync' AND column_name = 'connection_id' ORDER BY table_name`,
  );
  const out: Record<string, number> = {};
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.${pg.escapeIdentifier(table_name)} WHERE connection_id = $1`, [connectionId]);
    out[table_name] = rows[0]!.n;
  }
  const conn = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.connections WHERE id = $1`, [connectionId]);
  const view = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics.transactions WHERE connection_id = $1`, [connectionId]);
  return { ...out, connections: conn.rows[0]!.n, 'analytics.transactions': view.rows[0]!.n };
}

const nothing = (r: Record<string, number>) => Object.entries(r).filter(([, n]) => n !== 0);

describe('connection remove --purge against a running sync', () => {
  it('fails as busy (exit 3, nothing changed) without --wait, waits with it, and leaves no row behind; a second purge exits 0', async () => {
    const w = await relWorld({ db: await createTestDatabase(), sandbox: { profile: { users: 1, accountsPerUser: 3, transactionsPerAccount: 200 } } });
    const holder = new pg.Client({ connectionString: w.dbUrl });
    await holder.connect();
    try {
      await w.connect('c1');
      const first = await runCli(['sync', '--connection', 'c1'], w.env());
      expect(first.code, first.stderr).toBe(0);
      const synced = await rowsOf(w.db, 'c1');
      expect(synced.transactions).toBeGreaterThan(100);

      // A sync holds the connection's lock (this session stands in for one, deterministically).
      await holder.query(`SELECT pg_advisory_lock(hashtextextended('citi-sync:connection:c1', 0))`);
      const busy = await runCli(['connection', 'remove', '--id', 'c1', '--purge'], w.env());
      expect({ code: busy.code, stdout: busy.stdout, stderr: lines(busy.stderr) }).toEqual({
        code: 3,
        stdout: '',
        stderr: ['citi-sync: connection c1 is being synced right now; nothing was changed: try again, or wait for the sync with --wait <seconds>'],
      });
      expect(await rowsOf(w.db, 'c1')).toEqual(synced);
      expect(w.sandbox.stats().grantsRevoked).toBe(0);

      // With --wait it waits for the lock; the "sync" ends a moment after the purge started waiting.
      const waiting = spawnCli(['connection', 'remove', '--id', 'c1', '--purge', '--wait', '120'], w.env());
      await new Promise((r) => setTimeout(r, 3000));
      expect(waiting.proc.exitCode).toBeNull();
      await holder.query(`SELECT pg_advisory_unlock_all()`);
      const purged = await waiting.done;
      expect({ code: purged.code, stderr: purged.stderr }).toEqual({ code: 0, stderr: '' });
      expect(purged.stdout).toBe('connection c1: grant revoked at Citi\nconnection c1 and its data deleted\n');
      expect(nothing(await rowsOf(w.db, 'c1'))).toEqual([]);
      expect(w.sandbox.stats().grantsRevoked).toBe(1);

      const again = await runCli(['connection', 'remove', '--id', 'c1', '--purge'], w.env());
      expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({ code: 0, stdout: 'connection c1: nothing left to purge (it was already deleted)\n', stderr: '' });
    } finally {
      await holder.end();
      await w.close();
    }
  }, 240_000);

  it('a real sync and a purge started together: whichever goes first, no row outlives the connection', async () => {
    const w = await relWorld({ db: await createTestDatabase(), sandbox: { profile: { users: 1, accountsPerUser: 3, transactionsPerAccount: 200 }, faults: { latencyMs: 100 } } });
    try {
      await w.connect('c1');
      const sync = spawnCli(['sync', '--connection', 'c1'], w.env({ CITI_ACCOUNT_CONCURRENCY: '1', CITI_WINDOW_CONCURRENCY: '1' }));
      const purge = spawnCli(['connection', 'remove', '--id', 'c1', '--purge', '--wait', '300'], w.env());
      const [s, p] = await Promise.all([sync.done, purge.done]);
      expect({ code: p.code, stderr: p.stderr }).toEqual({ code: 0, stderr: '' });
      // The sync either finished before the purge took its locks, or found the connection gone.
      if (s.code !== 0) expect(lines(s.stderr).join('\n')).toMatch(/connection c1 is (missing|removed)/);
      expect(s.stderr).not.toMatch(/foreign key/);
      console.log(`sync exit ${s.code}, purge: ${p.stdout.trim().replace(/\n/g, ' / ')}`);
      expect(nothing(await rowsOf(w.db, 'c1'))).toEqual([]);
    } finally {
      await w.close();
    }
  }, 240_000);

  it('an account sync that starts after its connection was purged ends with a typed error, not a raw foreign-key error', async () => {
    const w = await inProcWorld({ db: await createTestDatabase(), sandbox: { profile: { users: 1, accountsPerUser: 2, transactionsPerAccount: 20 } } });
    try {
      await w.connect('c1');
      await syncConnection(w.deps, 'c1', { trigger: 'manual' });
      const [account] = await storedAccounts(w.db, 'c1');
      // A worker's account job listed before the purge, running after it (what BullMQ can do).
      const report = await removeConnectionSafely(w.db, 'c1', { purge: true });
      expect(report).toMatchObject({ found: true, existed: true });
      const err = await syncAccount(w.deps, { connectionId: 'c1', account: account!, tokens: tokensFor(w.deps, 'c1') }, { trigger: 'manual' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionUnusableError);
      expect((err as Error).message).toBe('connection c1 is removed: it was deleted (connection remove --purge) before this sync could start');
      expect(nothing(await rowsOf(w.db, 'c1'))).toEqual([]);
    } finally {
      await w.close();
    }
  }, 240_000);
});

describe('connection remove: revoke at Citi, remove the schedule', () => {
  it('revokes the grant, deletes tokens and the schedule in Postgres and Redis, keeps the data', async () => {
    const w = await relWorld({ db: await createTestDatabase(), sandbox: { profile: { users: 1, accountsPerUser: 1, transactionsPerAccount: 20 } } });
    const prefix = randomQueuePrefix('rm');
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const queues = openQueues(redis, prefix);
    try {
      await w.connect('c1');
      const env = w.env({ REDIS_URL: testRedisUrl(), CITI_SYNC_QUEUE_PREFIX: prefix });
      expect((await runCli(['sync', '--connection', 'c1'], env)).code).toBe(0);
      await scheduleConnection(queues, 'c1', parseInterval('6h'));
      await setSchedule(w.db, ['c1'], '6h');
      const r = await runCli(['connection', 'remove', '--id', 'c1'], env);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'connection c1: grant revoked at Citi\nconnection c1 revoked; its data is kept\n', stderr: '' });
      expect(w.sandbox.stats().grantsRevoked).toBe(1);
      expect([...(await listSchedules(queues.connection)).keys()]).toEqual([]);
      const { rows } = await w.db.query(`SELECT status, refresh_token_enc, access_token_enc, schedule FROM citi_sync.connections WHERE id = 'c1'`);
      expect(rows).toEqual([{ status: 'revoked', refresh_token_enc: null, access_token_enc: null, schedule: null }]);
      expect((await rowsOf(w.db, 'c1')).transactions).toBeGreaterThan(0);
    } finally {
      await queues.connection.obliterate({ force: true }).catch(() => undefined);
      await queues.close();
      redis.disconnect();
      await w.close();
    }
  }, 240_000);

  it('a Citi that cannot be reached is a warning, not a blocker', async () => {
    const w = await relWorld({ db: await createTestDatabase(), sandbox: { profile: { users: 1, accountsPerUser: 1, transactionsPerAccount: 5 } } });
    try {
      await w.connect('c1');
      const r = await runCli(['connection', 'remove', '--id', 'c1'], w.env({ CITI_API_BASE_URL: 'http://127.0.0.1:9/gcb/api', CITI_MAX_RETRIES: '0' }));
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'connection c1 revoked; its data is kept\n' });
      expect(lines(r.stderr)).toEqual([expect.stringMatching(/^citi-sync: warning: the grant was not revoked at Citi \(.+\): revoke it there by hand$/)]);
      const { rows } = await w.db.query(`SELECT status, refresh_token_enc FROM citi_sync.connections WHERE id = 'c1'`);
      expect(rows).toEqual([{ status: 'revoked', refresh_token_enc: null }]);
    } finally {
      await w.close();
    }
  }, 240_000);
});
