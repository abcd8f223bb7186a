import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { formatStatus } from '../../src/cli/commands/status.ts';
import { addConnection } from '../../src/auth/consent.ts';
import { setStatus } from '../../src/db/connections.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { listWorkers, startHeartbeat } from '../../src/queue/heartbeat.ts';
import { openQueues, type Queues } from '../../src/queue/queues.ts';
import { gatherStatus } from '../../src/queue/status.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { randomQueuePrefix, testRedisUrl } from '../helpers/redis.ts';

let t: TestDatabase;
let redis: Redis;
let queues: Queues;
const prefix = randomQueuePrefix('status');

beforeAll(async () => {
  t = await createTestDatabase();
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  queues = openQueues(redis, prefix);
  const cipher = new TokenCipher(randomBytes(32));
  for (const id of ['alice', 'bob', 'carol']) await addConnection(t.db, cipher, { id, refreshToken: `rt-${id}` });
  await setStatus(t.db, 'carol', 'needs_reauth', 'Citi revoked the consent (invalid_grant)');
  // alice: a closed run where 1 of 3 accounts failed twice, the second time on page 50.
  const run = await runRow('alice', null, 'partial', '1 of 3 accounts failed', true);
  await runRow('alice', 'acc-ok-1', 'succeeded', null, true, run);
  await runRow('alice', 'acc-ok-2', 'succeeded', null, true, run);
  await runRow('alice', 'acc-bad', 'failed', 'Citi answered 500 three times', true, run, '0');
  await runRow('alice', 'acc-bad', 'failed', 'Citi answered 503 three times', true, run, '50', 1);
  // bob: a run still open whose account failed once: retrying, not just "running".
  const open = await runRow('bob', null, 'running', null, false);
  await runRow('bob', 'acc-slow', 'failed', 'request timed out after 30000 ms', true, open);
});

afterAll(async () => {
  await queues?.close();
  await redis?.quit();
  await t?.drop();
});

let tick = 0;
async function runRow(connectionId: string, accountId: string | null, status: string, error: string | null, finished: boolean, parentId?: string, page?: string, laterBy = 0): Promise<string> {
  tick++;
  const { rows } = await t.db.query<{ id: string }>(
    `INSERT INTO citi_sync.sync_runs (parent_id, connection_id, account_id, trigger, status, started_at, finished_at, error, error_page)
     VALUES ($1, $2, $3, 'schedule', $4, now() - make_interval(secs => $5), CASE WHEN $6 THEN now() END, $7, $8) RETURNING id`,
    [parentId ?? null, connectionId, accountId, status, 100 - tick - laterBy * 10, finished, error, page ?? null],
  );
  return rows[0]!.id;
}

describe('worker heartbeats', () => {
  it('lists a beating worker as live, one whose record expired as lost, and forgets one that stopped cleanly', async () => {
    const logger = silentLogger();
    const live = await startHeartbeat(redis, { prefix, version: '9.9.9', concurrency: 4, jobsInFlight: () => 3, logger, everyMs: 100, ttlMs: 1000 });
    // A worker killed at once: it never beats again and its record lapses after 300 ms.
    const killed = await startHeartbeat(redis, { prefix, version: '9.9.8', concurrency: 2, jobsInFlight: () => 1, logger, everyMs: 60_000, ttlMs: 300 });
    const stopped = await startHeartbeat(redis, { prefix, version: '9.9.9', concurrency: 1, jobsInFlight: () => 0, logger, everyMs: 100, ttlMs: 1000 });
    await stopped.stop();
    await sleep(500);
    const list = await listWorkers(redis, prefix);
    expect(list.live.map((w) => [w.id, w.version, w.pid, w.jobsInFlight, w.concurrency])).toEqual([[live.id, '9.9.9', process.pid, 3, 4]]);
    expect(list.lost.map((w) => [w.id, w.version, w.jobsInFlight])).toEqual([[killed.id, '9.9.8', 1]]);
    await live.stop();
    await (await startHeartbeat(redis, { prefix, version: 'x', concurrency: 1, jobsInFlight: () => 0, logger, everyMs: 60_000 })).stop();
    expect((await listWorkers(redis, prefix)).live).toEqual([]);
    // The lost one stays listed, so an operator sees a worker vanished.
    expect((await listWorkers(redis, prefix)).lost.map((w) => w.id)).toEqual([killed.id]);
  });
});

describe('status', () => {
  it('names the failing accounts with their last reason, retrying or failed, and the connections needing re-consent', async () => {
    const report = await gatherStatus(t.db, queues, undefined, await listWorkers(redis, prefix));
    const by = Object.fromEntries(report.connections.map((c) => [c.id, c]));
    expect(by.alice!.accountProblems).toEqual([{ accountId: 'acc-bad', state: 'failed', reason: 'Citi answered 503 three times', page: '50', at: expect.any(String) }]);
    expect(by.bob!.accountProblems).toEqual([{ accountId: 'acc-slow', state: 'retrying', reason: 'request timed out after 30000 ms', page: null, at: expect.any(String) }]);
    expect(by.carol!.accountProblems).toEqual([]);
    expect(report.connections.map((c) => [c.id, c.needsReconsent])).toEqual([['alice', false], ['bob', false], ['carol', true]]);
    expect(report.workers?.lost).toHaveLength(1);

    const text = formatStatus(report);
    expect(text).toContain('  acc-bad: failed: Citi answered 503 three times (at 50)\n');
    expect(text).toContain('  acc-slow: retrying: request timed out after 30000 ms\n');
    expect(text).toMatch(/^carol: needs re-consent \(Citi revoked the consent \(invalid_grant\)\): run (npx )?citi-sync connect --id carol$/m);
    expect(text).toMatch(/^workers: 0 live, 1 lost$/m);
  });

  it('adds the retry a queued account job is waiting for', async () => {
    const job = await queues.account.add('sync-account', { connectionId: 'alice', account: { accountId: 'acc-bad' } }, { attempts: 5, delay: 60_000 });
    // As BullMQ records a failed attempt that will be retried: attemptsMade 1, a reason, delayed.
    await redis.hset(`${prefix}:${queues.account.name}:${job.id}`, 'atm', '1', 'failedReason', 'Citi answered 503 three times');
    const report = await gatherStatus(t.db, queues);
    const alice = report.connections.find((c) => c.id === 'alice')!;
    expect(alice.accountProblems).toEqual([
      { accountId: 'acc-bad', state: 'retrying', reason: 'Citi answered 503 three times', page: '50', at: expect.any(String), attempts: 1, nextAttemptAt: expect.any(String) },
    ]);
  });
});
