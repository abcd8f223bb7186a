/**
 * Scenario 7b: many small connections behind 200 ms of latency, synced by queue workers
 * (`citi-sync worker`, BullMQ): one worker process, then two, each with the default concurrency.
 * If worker mode cannot run, the same comparison falls back to in-process syncs: one process with
 * all connections vs two processes with half each (the report says which one ran).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { isoDate } from '../../src/sync/dates.ts';
import { openQueues } from '../../src/queue/queues.ts';
import { enqueueSync } from '../../src/queue/scheduling.ts';
import { connectUsers } from '../lib/connections.ts';
import { pipelineJob, round, UNLIMITED_RATE, type BenchContext } from '../lib/context.ts';
import { createBenchDatabase, type BenchDatabase } from '../lib/db.ts';
import { killOnExit, runPipeline } from '../lib/proc.ts';
import { startSandboxProcess, type SandboxProcess } from '../lib/sandbox.ts';
import { LATENCY_MS } from './latency.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** CITI_SYNC_WORKER_CONCURRENCY's default. */
export const WORKER_CONCURRENCY = 4;

export interface FleetRun {
  processes: number;
  ms: number;
  connectionsPerSecond: number;
  failed: number;
  requests: number;
}

export interface FleetResults {
  mode: 'worker' | 'in-process';
  /** Why worker mode did not run, when it did not. */
  fallbackReason?: string;
  connections: number;
  one: FleetRun;
  two: FleetRun;
}

function startWorker(env: NodeJS.ProcessEnv): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker', '--grace', '5'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  killOnExit(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  return { child, stderr: () => err };
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function workerRun(ctx: BenchContext, sb: SandboxProcess, processes: number): Promise<FleetRun> {
  const db = await createBenchDatabase(ctx.adminUrl, `fleet${processes}`);
  const prefix = `{citi-bench-${randomBytes(4).toString('hex')}}`;
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const queues = openQueues(redis, prefix);
  const workers: Array<ReturnType<typeof startWorker>> = [];
  try {
    const conn = await connectUsers(db.db, sb, ctx.sizes.fleet.connections);
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      REDIS_URL: ctx.redisUrl,
      CITI_API_BASE_URL: sb.url,
      CITI_CLIENT_ID: sb.clientId,
      CITI_CLIENT_SECRET: sb.clientSecret,
      CITI_SYNC_ENCRYPTION_KEY: conn.encryptionKey,
      CITI_MAX_REQUESTS_PER_SECOND: String(UNLIMITED_RATE),
      CITI_SYNC_QUEUE_PREFIX: prefix,
      CITI_SYNC_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      LOG_LEVEL: 'warn',
    };
    for (let i = 0; i < processes; i++) workers.push(startWorker(env));
    const deadline = Date.now() + 60_000;
    while ((await queues.connection.getWorkersCount()) < processes) {
      const dead = workers.find((w) => w.child.exitCode !== null);
      if (dead) throw new Error(`worker exited at start: ${dead.stderr().slice(-800)}`);
      if (Date.now() > deadline) throw new Error('workers did not start within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    await sb.resetStats();
    const { rows: t0 } = await db.db.query<{ t: Date }>('SELECT clock_timestamp() AS t');
    for (const id of conn.connectionIds) await enqueueSync(queues.connection, id, 'manual');
    const n = conn.connectionIds.length;
    const limit = Date.now() + 10 * 60_000;
    for (;;) {
      const { rows } = await db.db.query<{ done: number; failed: number; last: Date | null }>(
        `SELECT count(*) FILTER (WHERE status <> 'running')::int AS done, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                max(finished_at) AS last
           FROM citi_sync.sync_runs WHERE account_id IS NULL`,
      );
      const r = rows[0]!;
      if (r.done >= n) {
        const ms = r.last!.getTime() - t0[0]!.t.getTime();
        const s = await sb.stats();
        return { processes, ms, connectionsPerSecond: round(n / (ms / 1000), 2), failed: r.failed, requests: s.requests };
      }
      if (Date.now() > limit) throw new Error(`fleet run timed out: ${r.done}/${n} connections done`);
      const dead = workers.find((w) => w.child.exitCode !== null);
      if (dead) throw new Error(`a worker died: ${dead.stderr().slice(-800)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await Promise.all(workers.map((w) => stopWorker(w.child)));
    await queues.close();
    // Leave no bench keys behind in the shared Redis.
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
    await db.drop();
  }
}

async function inProcessRun(ctx: BenchContext, sb: SandboxProcess, processes: number): Promise<FleetRun> {
  const db: BenchDatabase = await createBenchDatabase(ctx.adminUrl, `fleetp${processes}`);
  try {
    const conn = await connectUsers(db.db, sb, ctx.sizes.fleet.connections);
    await sb.resetStats();
    const t0 = performance.now();
    const shares = Array.from({ length: processes }, (_, i) => conn.connectionIds.filter((_, k) => k % processes === i));
    const reports = await Promise.all(
      shares.map((ids) => runPipeline(pipelineJob(sb, db.url, { ...conn, connectionIds: ids }, { connectionConcurrency: WORKER_CONCURRENCY }))),
    );
    const ms = performance.now() - t0;
    const s = await sb.stats();
    const n = conn.connectionIds.length;
    const failed = reports.reduce((f, r) => f + r.totals.failedAccounts, 0);
    return { processes, ms, connectionsPerSecond: round(n / (ms / 1000), 2), failed, requests: s.requests };
  } finally {
    await db.drop();
  }
}

export async function runFleetScenario(ctx: BenchContext): Promise<FleetResults> {
  const { connections, perAccount } = ctx.sizes.fleet;
  ctx.log(`7b. ${connections} connections × 1 account × ${perAccount} transactions, ${LATENCY_MS} ms per request: 1 worker vs 2`);
  // Workers read the real clock, so this world's "today" is the real date.
  const sb = await startSandboxProcess({
    seed: 2,
    today: isoDate(new Date()),
    rateLimit: false,
    autoConsent: true,
    faults: { latencyMs: LATENCY_MS },
    profile: { users: connections, accountsPerUser: 1, transactionsPerAccount: perAccount },
  });
  try {
    try {
      const one = await workerRun(ctx, sb, 1);
      const two = await workerRun(ctx, sb, 2);
      return { mode: 'worker', connections, one, two };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      ctx.log(`   worker mode failed (${reason.split('\n')[0]}); falling back to in-process syncs`);
      const one = await inProcessRun(ctx, sb, 1);
      const two = await inProcessRun(ctx, sb, 2);
      return { mode: 'in-process', fallbackReason: reason.slice(0, 500), connections, one, two };
    }
  } finally {
    await sb.close();
  }
}
