import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setStatus } from '../../src/db/connections.ts';
import { WorkerMetrics } from '../../src/queue/metrics.ts';
import { parseInterval } from '../../src/queue/interval.ts';
import { refreshExpiringConsents } from '../../src/queue/jobs/refreshTokens.ts';
import { enqueueSync, listSchedules, restoreSchedules, scheduleConnection, unscheduleConnection } from '../../src/queue/scheduling.ts';
import { setSchedule } from '../../src/db/connections.ts';
import { startOpsServer } from '../../src/queue/server.ts';
import { gatherStatus } from '../../src/queue/status.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { finishedRuns, queueHarness, waitFor, type QueueHarness } from './harness.ts';

describe('queue mode, in-process workers', () => {
  let h: QueueHarness;
  beforeEach(async () => {
    h = await queueHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('a schedule fires on its interval, the data lands exactly, and one sync runs per connection at a time', async () => {
    const userId = await h.connect('c1', 0);
    const set = await h.inProcessWorkers();
    const { next } = await scheduleConnection(set.queues, 'c1', parseInterval('1s'));
    expect(next).toBeGreaterThan(Date.now() - 1000);
    // Idempotent: scheduling again keeps one scheduler.
    await scheduleConnection(set.queues, 'c1', parseInterval('1s'));
    expect([...(await listSchedules(set.queues.connection)).keys()]).toEqual(['c1']);

    await waitFor(async () => ((await finishedRuns(h.db)).succeeded ?? 0) >= 2, 30_000, 'two scheduled syncs');
    await unscheduleConnection(set.queues, 'c1');
    expect((await listSchedules(set.queues.connection)).size).toBe(0);

    const { live, truth } = await h.exact('c1', userId);
    expect(live.length).toBeGreaterThan(0);
    expect(live).toEqual(truth);
    // Runs of one connection never overlapped: each started after the previous one finished.
    const { rows } = await h.db.query<{ started_at: Date; finished_at: Date | null; trigger: string }>(
      `SELECT started_at, finished_at, trigger FROM citi_sync.sync_runs WHERE account_id IS NULL ORDER BY started_at`,
    );
    expect(rows.every((r) => r.trigger === 'schedule')).toBe(true);
    for (let i = 1; i < rows.length; i++) {
      const prev = rows[i - 1]!.finished_at;
      if (prev) expect(rows[i]!.started_at.getTime()).toBeGreaterThanOrEqual(prev.getTime());
    }
    // A second enqueue while one is pending is deduplicated.
    await set.queues.connection.pause();
    const first = await enqueueSync(set.queues.connection, 'c1', 'manual');
    const second = await enqueueSync(set.queues.connection, 'c1', 'manual');
    expect(second).toBe(first);
    await set.queues.connection.resume();

    const status = await gatherStatus(h.db, set.queues);
    const c1 = status.connections.find((c) => c.id === 'c1')!;
    expect(c1).toMatchObject({ state: 'active', accounts: 2, liveRows: live.length, schedule: null });
    expect(c1.lastRun?.status).toBeDefined();
  });

  it('schedules recorded in Postgres are put back into a Redis that lost them', async () => {
    await h.connect('c1', 0);
    await h.connect('c2', 1);
    const set = await h.inProcessWorkers();
    await scheduleConnection(set.queues, 'c1', parseInterval('6h'));
    await setSchedule(h.db, ['c1'], '6h');
    await setSchedule(h.db, ['c2'], '*/15 * * * *');
    // Redis "restarted empty": its scheduler is gone, Postgres still knows.
    await unscheduleConnection(set.queues, 'c1');
    expect((await listSchedules(set.queues.connection)).size).toBe(0);
    const r = await restoreSchedules(h.db, set.queues);
    expect(r).toEqual({ restored: 2, invalid: [] });
    const after = await listSchedules(set.queues.connection);
    expect([...after.keys()].sort()).toEqual(['c1', 'c2']);
    expect(after.get('c1')?.every).toBe(6 * 3600 * 1000);
    expect(after.get('c2')?.pattern).toContain('*/15 * * * *');
  });

  it('a job for a revoked connection fails at once, without retries', async () => {
    await h.connect('gone', 1);
    await setStatus(h.db, 'gone', 'revoked', 'removed by test');
    const set = await h.inProcessWorkers();
    const id = await enqueueSync(set.queues.connection, 'gone', 'manual');
    await waitFor(async () => (await set.queues.connection.getJob(id!))?.finishedOn !== undefined, 10_000, 'job to fail');
    const job = (await set.queues.connection.getJob(id!))!;
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/connection gone is revoked.*not retrying/);
    const status = await gatherStatus(h.db, set.queues);
    expect(status.failedJobs).toEqual([expect.objectContaining({ connectionId: 'gone', attempts: 1 })]);
  });

  it('an account that keeps failing is retried with backoff, then counted: the connection run ends partial', async () => {
    await h.connect('p1', 3);
    const [bad, good] = h.sandbox.users[3]!.accountIds;
    // 500s every time: transient by its status, so the account job is retried, then given up.
    h.sandbox.setAccountResponse(bad!, { status: 500, body: '{"type":"fatal","code":"serverUnavailable","details":"down"}' });
    const set = await h.inProcessWorkers({ retry: { attempts: 2, backoffMs: 100 } });
    await enqueueSync(set.queues.connection, 'p1', 'manual');
    await waitFor(async () => ((await finishedRuns(h.db)).partial ?? 0) === 1, 40_000, 'the run to end');
    const { rows } = await h.db.query<{ account_id: string; status: string }>(
      `SELECT account_id, status FROM citi_sync.sync_runs WHERE account_id IS NOT NULL ORDER BY account_id, started_at`,
    );
    expect(rows.filter((r) => r.account_id === bad).map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(rows.filter((r) => r.account_id === good).map((r) => r.status)).toEqual(['succeeded']);
    const status = await gatherStatus(h.db, set.queues);
    expect(status.connections[0]!.lastRun).toMatchObject({ status: 'partial', error: '1 of 2 accounts failed' });
    expect(status.failedJobs).toEqual([expect.objectContaining({ queue: 'sync-account', accountId: bad, attempts: 2 })]);
  });

  it('the consent sweep refreshes refresh tokens that are about to lapse, and only those', async () => {
    await h.connect('old', 0);
    await h.connect('fresh', 1);
    // Neither was refreshed yet, so their expiry is estimated from when they were added: pretend 'old'
    // was added 25 days ago.
    await h.db.query(`UPDATE citi_sync.connections SET created_at = now() - interval '25 days' WHERE id = 'old'`);
    const { rows: before } = await h.db.query<{ id: string; refresh_token_enc: string }>(`SELECT id, refresh_token_enc FROM citi_sync.connections ORDER BY id`);
    const result = await refreshExpiringConsents(h.deps());
    expect(result).toEqual({ checked: 1, refreshed: 1, needsReauth: [], failed: [] });
    const { rows: after } = await h.db.query<{ id: string; refresh_token_enc: string; days: number }>(
      `SELECT id, refresh_token_enc, extract(day FROM refresh_token_expires_at - now())::int AS days FROM citi_sync.connections ORDER BY id`,
    );
    expect(after.map((r) => r.id)).toEqual(['fresh', 'old']);
    expect(after[0]!.refresh_token_enc).toBe(before[0]!.refresh_token_enc);
    expect(after[1]!.refresh_token_enc).not.toBe(before[1]!.refresh_token_enc);
    expect(after[1]!.days).toBeGreaterThanOrEqual(29);
    expect(h.sandbox.stats().refreshTokenReuse).toBe(0);
  });

  it('serves Prometheus metrics whose counters move, and /healthz', async () => {
    await h.connect('m1', 2);
    const metrics = new WorkerMetrics({ db: h.db });
    const set = await h.inProcessWorkers({ metrics });
    metrics.watchQueues([set.queues.connection, set.queues.account, set.queues.refresh]);
    const server = await startOpsServer({ port: 0, host: '127.0.0.1', metrics, logger: silentLogger(), checks: { redis: () => h.redis.ping(), postgres: () => h.db.query('SELECT 1') } });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const before = await (await fetch(`${url}/metrics`)).text();
      expect(before).toContain('citi_sync_jobs{queue="sync-account",state="waiting"} 0');
      await enqueueSync(set.queues.connection, 'm1', 'manual');
      await waitFor(async () => ((await finishedRuns(h.db)).succeeded ?? 0) >= 1, 20_000, 'sync');
      const after = await (await fetch(`${url}/metrics`)).text();
      const inserted = Number(/citi_sync_rows_total\{outcome="inserted"\} (\d+)/.exec(after)?.[1]);
      expect(inserted).toBeGreaterThan(0);
      expect(after).toMatch(/citi_sync_sync_duration_seconds_count\{kind="account",outcome="succeeded"\} 2/);
      expect(after).toMatch(/citi_sync_jobs\{queue="sync-connection",state="completed"\} 1/);
      expect(after).toMatch(/citi_sync_seconds_since_last_success\{connection_id="m1"\} \d/);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true, checks: { redis: 'ok', postgres: 'ok' } });
    } finally {
      await server.close();
    }
  });
});
