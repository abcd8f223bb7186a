import { afterEach, describe, expect, it } from 'vitest';
import { enqueueSync } from '../../src/queue/scheduling.ts';
import { finishedRuns, freePort, queueHarness, waitFor, type QueueHarness } from './harness.ts';

/** Worker processes as deployed: `node bin/citi-sync.js worker`, configured through the environment. */
describe('worker processes', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function expectExact(ids: Array<[string, string]>): Promise<void> {
    for (const [id, userId] of ids) {
      const { live, truth } = await h!.exact(id, userId);
      expect(live.length, id).toBeGreaterThan(0);
      expect(live, id).toEqual(truth);
    }
  }

  it('two workers sync 20 connections exactly once each, sharing one token per grant; metrics and dashboard answer', async () => {
    h = await queueHarness({ sandbox: { profile: { users: 20, accountsPerUser: 2, transactionsPerAccount: 60, historyMonths: 3 } } });
    const ids: Array<[string, string]> = [];
    for (let i = 0; i < 20; i++) ids.push([`conn-${i}`, await h.connect(`conn-${i}`, i)]);
    const port = await freePort();
    await Promise.all([h.spawnWorker(['--metrics-port', String(port), '--dashboard']), h.spawnWorker()]);

    const queue = h.connectionQueue();
    const started = Date.now();
    for (const [id] of ids) await enqueueSync(queue, id, 'manual');
    await waitFor(async () => ((await finishedRuns(h!.db)).succeeded ?? 0) === 20, 45_000, '20 connection syncs');
    const elapsed = Date.now() - started;
    console.log(`20 connections, 2 worker processes: ${elapsed} ms`);

    await expectExact(ids);
    // Every account was synced by exactly one job: one account run each, none failed or repeated.
    const { rows } = await h.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM citi_sync.sync_runs WHERE account_id IS NOT NULL GROUP BY status`,
    );
    expect(rows).toEqual([{ status: 'succeeded', n: 40 }]);
    const stats = h.sandbox.stats();
    expect(stats.refreshTokenReuse).toBe(0);
    expect(stats.grantsRevoked).toBe(0);
    // One refresh per grant: 20 connections, 40 account jobs on two processes, no more.
    expect(stats.refreshes).toBe(20);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(Number(/citi_sync_rows_total\{outcome="inserted"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/citi_sync_jobs\{queue="sync-connection",state="completed"\} 20/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const board = await fetch(`http://127.0.0.1:${port}/admin/queues`);
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('<html');
  }, 90_000);

  it('a 429 storm backs off every worker and still ends exact', async () => {
    // Two worker processes and the simulator share two cores here: a request already written when
    // the 429 left can reach the simulator a few hundred ms later. Such a request is in flight, not
    // sent inside the window, so the in-flight grace is wider than the in-process default.
    h = await queueHarness({ sandbox: { retryAfterSeconds: 0.3, retryAfterGraceMs: 300, profile: { users: 4, accountsPerUser: 2, transactionsPerAccount: 30, historyMonths: 3 } } });
    const ids: Array<[string, string]> = [];
    for (let i = 0; i < 4; i++) ids.push([`s${i}`, await h.connect(`s${i}`, i)]);
    await Promise.all([h.spawnWorker(), h.spawnWorker()]);
    h.sandbox.setFaults({ status429Probability: 0.3 });
    const queue = h.connectionQueue();
    for (const [id] of ids) await enqueueSync(queue, id, 'manual');
    await waitFor(async () => ((await finishedRuns(h!.db)).succeeded ?? 0) === 4, 50_000, 'syncs through the storm');
    const stats = h.sandbox.stats();
    console.log(`429 storm: ${stats.served429} 429s over ${stats.requests} requests`);
    expect(stats.served429).toBeGreaterThan(3);
    expect(stats.requestsDuringRetryAfter).toBe(0);
    await expectExact(ids);
  }, 90_000);
});
