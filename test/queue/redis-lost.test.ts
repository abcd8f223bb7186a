/**
 * RELIABILITY A: Redis loses its data (a restart without persistence, a failover) while a worker
 * sync is mid-way. The parent job is gone, so nothing would ever close its run record; the worker's
 * sweep (at start and on every Redis reconnect) and the next sync's opening close every such run as
 * interrupted, and the next sync lands the data exactly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueSync } from '../../src/queue/scheduling.ts';
import { deleteKeys } from '../helpers/redisKeys.ts';
import { finishedRuns, queueHarness, waitFor, type QueueHarness } from './harness.ts';

const JOB_GONE = 'interrupted: its queue job no longer exists (Redis lost it, or it was removed); the next run resumed from its checkpoint';

interface Run {
  id: string;
  account_id: string | null;
  status: string;
  error: string | null;
}

async function runs(h: QueueHarness): Promise<Run[]> {
  const { rows } = await h.db.query<Run>(`SELECT id, account_id, status, error FROM citi_sync.sync_runs ORDER BY started_at, account_id NULLS FIRST`);
  return rows;
}

describe('Redis loses its data mid-sync (worker mode)', () => {
  let h: QueueHarness;
  beforeEach(async () => {
    // Slow pages: the sync is surely in flight when Redis forgets it.
    h = await queueHarness({ sandbox: { faults: { latencyMs: 40 } }, historyMonths: 6 });
  });
  afterEach(async () => {
    await h.close();
  });

  it.each(['the worker sweep at start', 'the next sync'] as const)('every run ends closed (by %s), and the data is exact', async (closer) => {
    const userId = await h.connect('c1', 0);
    const first = await h.inProcessWorkers();
    // For 'the next sync', a second worker is already up: its start-up sweep ran before anything
    // was lost, so only the next sync's opening can close the orphans.
    const second = closer === 'the next sync' ? await h.inProcessWorkers() : undefined;
    await enqueueSync(first.queues.connection, 'c1', 'manual');
    await waitFor(async () => (await runs(h)).some((r) => r.account_id !== null), 30_000, 'account jobs running');

    // Redis "restarts empty" under the running worker, which then stops.
    await deleteKeys(h.redis, h.prefix);
    await first.close(2000);
    const orphanId = (await runs(h)).find((r) => r.account_id === null)!.id;
    expect((await runs(h)).find((r) => r.id === orphanId)!.status).toBe('running');

    const next = second ?? (await h.inProcessWorkers());
    if (!second) {
      // The sweep at start closed every run whose job is gone.
      expect((await runs(h)).filter((r) => r.status === 'running' && r.account_id === null)).toEqual([]);
    }
    await enqueueSync(next.queues.connection, 'c1', 'manual');
    await waitFor(async () => ((await finishedRuns(h.db)).succeeded ?? 0) >= 1, 60_000, 'the next sync');
    await waitFor(async () => (await runs(h)).every((r) => r.status !== 'running'), 30_000, 'every run closed');

    const end = await runs(h);
    expect(end.find((r) => r.id === orphanId)).toMatchObject({ status: 'failed', error: JOB_GONE });
    expect(end.filter((r) => r.account_id === null).map((r) => r.status)).toEqual(['failed', 'succeeded']);
    const { live, truth } = await h.exact('c1', userId);
    expect(live.length).toBeGreaterThan(0);
    expect(live).toEqual(truth);
  });
});
