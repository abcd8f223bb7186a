import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { QUEUES } from '../../src/queue/names.ts';
import { enqueueSync } from '../../src/queue/scheduling.ts';
import { finishedRuns, queueHarness, waitFor, type QueueHarness } from './harness.ts';

/** Worker processes dying and being stopped: the jobs move on and the data ends exact. */
describe('worker processes: crashes and shutdown', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function liveRowCount(): Promise<number> {
    const { rows } = await h!.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.transactions`);
    return rows[0]!.n;
  }

  async function expectExact(ids: Array<[string, string]>): Promise<void> {
    for (const [id, userId] of ids) {
      const { live, truth } = await h!.exact(id, userId);
      expect(live.length, id).toBeGreaterThan(0);
      expect(live, id).toEqual(truth);
    }
  }

  it('a SIGKILLed worker\'s job is finished by the other, exactly', async () => {
    // A paged market (Asia-Pacific), so the kill lands inside a window walk: a US window comes
    // whole in one answer, and its job can end before the signal.
    h = await queueHarness({ historyMonths: 12, sandbox: { country: 'SG', faults: { latencyMs: 15 }, profile: { users: 1, accountsPerUser: 2, transactionsPerAccount: 1500, historyMonths: 12 } } });
    const userId = await h.connect('k1', 0);
    const fast = ['--lock-duration', '2000', '--stalled-interval', '1000'];
    const victim = await h.spawnWorker(fast);
    await enqueueSync(h.connectionQueue(), 'k1', 'manual');
    await waitFor(async () => (await liveRowCount()) >= 200, 20_000, 'the sync to be under way');
    victim.proc.kill('SIGKILL');
    expect(await victim.exited).toBe(null);
    const rowsAtKill = await liveRowCount();
    const survivor = await h.spawnWorker(fast);
    await waitFor(async () => ((await finishedRuns(h!.db)).succeeded ?? 0) === 1, 40_000, 'the survivor to finish');
    expect(rowsAtKill).toBeLessThan(await liveRowCount());
    await expectExact([['k1', userId]]);
    // The survivor took over the killed jobs as stalled ones (a stall spends no attempt).
    const account = new Queue(QUEUES.account, { connection: h.redis, prefix: h.prefix });
    const done = await account.getCompleted();
    expect(await account.getFailedCount()).toBe(0);
    await account.close();
    expect(done.length).toBe(2);
    expect(done.some((j) => j.stalledCounter > 0)).toBe(true);
    expect(h.sandbox.stats().refreshTokenReuse).toBe(0);
    expect(survivor.output()).not.toContain('"level":50');
  }, 90_000);

  it('SIGTERM drains: the worker stops at a page boundary, exits 0, and another finishes exactly', async () => {
    // A paged market (Asia-Pacific), so the SIGTERM lands inside a window walk: a US window comes
    // whole in one answer, and its job can end before the signal, leaving nothing to drain.
    h = await queueHarness({ historyMonths: 12, sandbox: { country: 'SG', faults: { latencyMs: 15 }, profile: { users: 1, accountsPerUser: 2, transactionsPerAccount: 1500, historyMonths: 12 } } });
    const userId = await h.connect('t1', 0);
    const worker = await h.spawnWorker();
    await enqueueSync(h.connectionQueue(), 't1', 'manual');
    await waitFor(async () => (await liveRowCount()) >= 200, 20_000, 'the sync to be under way');
    const signalled = Date.now();
    worker.proc.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const drainMs = Date.now() - signalled;
    console.log(`SIGTERM to exit: ${drainMs} ms`);
    expect(drainMs).toBeLessThan(10_000);
    expect(worker.output()).toContain('"worker stopped"');

    const account = new Queue(QUEUES.account, { connection: h.redis, prefix: h.prefix });
    const counts = await account.getJobCounts('waiting', 'failed', 'active', 'delayed');
    await account.close();
    expect(counts.failed).toBe(0);
    expect(counts.active).toBe(0);
    expect((counts.waiting ?? 0) + (counts.delayed ?? 0)).toBeGreaterThan(0);

    await h.inProcessWorkers();
    await waitFor(async () => ((await finishedRuns(h!.db)).succeeded ?? 0) === 1, 40_000, 'the sync to finish');
    await expectExact([['t1', userId]]);
  }, 90_000);
});
