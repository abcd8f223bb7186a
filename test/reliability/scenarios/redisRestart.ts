/**
 * Redis restarts (without saving, as the CI's Redis is configured) under a running `citi-sync worker`
 * that is in the middle of a sync. The worker must stay up and reconnect; the sync it was running
 * finishes against Postgres; the next enqueued sync completes; the data ends exact; SIGTERM still
 * stops the worker cleanly.
 *
 * Only in `npm run chaos`: Redis is shared by every test file of the suite, and restarting it would
 * fail other files' queue tests that happen to run at that moment.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { SandboxProfile } from '../../../src/sandbox/index.ts';
import { openQueues } from '../../../src/queue/queues.ts';
import { connectRedis } from '../../../src/queue/redis.ts';
import { parseInterval } from '../../../src/queue/interval.ts';
import { enqueueSync, listSchedules, scheduleConnection } from '../../../src/queue/scheduling.ts';
import { lines, spawnCli } from '../support/cli.ts';
import { problems } from '../support/exact.ts';
import { relWorld, type DatabaseHandle } from '../support/world.ts';
import { deleteKeys } from '../../helpers/redisKeys.ts';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** The restart the project's CI uses (no persistence: every key is lost). */
export async function restartRedis(): Promise<number> {
  const started = performance.now();
  try {
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave'], { stdio: 'pipe' });
  } catch {
    // redis-cli reports the dropped connection of a successful shutdown as an error.
  }
  execFileSync(
    'redis-server',
    ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
    { stdio: 'pipe' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { stdio: 'pipe' }).toString().includes('PONG')) break;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  return Math.round(performance.now() - started);
}

export interface RedisRestartFigures {
  restartMs: number;
  pagesBeforeRestart: number;
  workerAliveAfter: boolean;
  /** Did the sync that was running when Redis restarted finish (its account jobs lived in Redis)? */
  inFlightRunFinished: boolean;
  /** Schedules before and after the restart (they live only in Redis). */
  schedulesBefore: number;
  schedulesAfter: number;
  runsLeftRunning: number;
  runsSucceeded: number;
  rowsCompared: number;
  sigtermExit: number | null;
  reconnectLogLines: number;
  ms: number;
  problems: string[];
}

export async function redisRestartUnderWorker(o: { db: DatabaseHandle; seed: number; profile: SandboxProfile; latencyMs: number }): Promise<RedisRestartFigures> {
  const started = performance.now();
  const w = await relWorld({ db: o.db, sandbox: { seed: o.seed, profile: o.profile, faults: { latencyMs: o.latencyMs } } });
  const prefix = `{citi-sync-rel-${randomBytes(5).toString('hex')}}`;
  const env = w.env({ REDIS_URL, CITI_SYNC_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' });
  const f: RedisRestartFigures = {
    restartMs: 0, pagesBeforeRestart: 0, workerAliveAfter: false, inFlightRunFinished: false, schedulesBefore: 0, schedulesAfter: 0, runsLeftRunning: 0, runsSucceeded: 0, rowsCompared: 0, sigtermExit: null, reconnectLogLines: 0, ms: 0, problems: [],
  };
  const worker = spawnCli(['worker', '--concurrency', '4', '--lock-duration', '5000', '--stalled-interval', '2000', '--grace', '10'], env);
  let redis: Redis | undefined;
  try {
    const userId = await w.connect('c1');
    await waitFor(() => worker.stderr().includes('workers started') || worker.proc.exitCode !== null, 60_000);
    if (worker.proc.exitCode !== null) throw new Error(`worker exited at start: ${worker.stderr()}`);
    redis = connectRedis(REDIS_URL);
    const queues = openQueues(redis, prefix);
    await scheduleConnection(queues, 'c1', parseInterval('6h'));
    f.schedulesBefore = (await listSchedules(queues.connection)).size;
    const base = w.sandbox.stats().pagesServed;
    await enqueueSync(queues.connection, 'c1', 'manual');
    await waitFor(() => w.sandbox.stats().pagesServed - base >= 10, 60_000);
    f.pagesBeforeRestart = w.sandbox.stats().pagesServed - base;
    await queues.close();
    redis.disconnect();
    redis = undefined;

    f.restartMs = await restartRedis();
    // The in-flight sync goes on (its pages go to Postgres); give the worker time to notice and reconnect.
    f.inFlightRunFinished = await waitFor(async () => (await succeededRuns(w)) >= 1, 30_000).then(
      () => true,
      () => false,
    );
    f.workerAliveAfter = worker.proc.exitCode === null && worker.proc.signalCode === null;
    if (!f.workerAliveAfter) throw new Error(`the worker died: ${lines(worker.stderr()).slice(-5).join(' | ')}`);

    // The queue lost every key with the restart; a new sync is accepted and done by the same worker.
    redis = connectRedis(REDIS_URL);
    const again = openQueues(redis, prefix);
    f.schedulesAfter = (await listSchedules(again.connection)).size;
    const before = await succeededRuns(w);
    await enqueueSync(again.connection, 'c1', 'manual');
    await waitFor(async () => (await succeededRuns(w)) > before, 120_000);
    await again.close();
    f.runsSucceeded = await succeededRuns(w);
    const { rows: running } = await w.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.sync_runs WHERE status = 'running'`);
    f.runsLeftRunning = running[0]?.n ?? 0;
    const e = await w.exact('c1', userId);
    f.rowsCompared = e.compared;
    f.problems.push(...problems(e));
    f.reconnectLogLines = lines(worker.stderr()).filter((l) => /redis/i.test(l)).length;

    worker.proc.kill('SIGTERM');
    const exit = await worker.done;
    f.sigtermExit = exit.code;
    if (exit.code !== 0) f.problems.push(`the worker exited ${exit.code ?? exit.signal} on SIGTERM: ${lines(exit.stderr).slice(-3).join(' | ')}`);
  } catch (err) {
    f.problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    if (worker.proc.exitCode === null) worker.proc.kill('SIGKILL');
    await worker.done.catch(() => undefined);
    if (redis) {
      await deleteKeys(redis, prefix).catch(() => undefined);
      redis.disconnect();
    }
    f.ms = Math.round(performance.now() - started);
    await w.close();
  }
  return f;
}

async function succeededRuns(w: { db: DatabaseHandle['db'] }): Promise<number> {
  const { rows } = await w.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM citi_sync.sync_runs WHERE account_id IS NULL AND status IN ('succeeded', 'partial')`,
  );
  return rows[0]?.n ?? 0;
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(100);
  }
}
