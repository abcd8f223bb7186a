import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CitiClient } from '../../src/citi/index.ts';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { addConnection } from '../../src/auth/consent.ts';
import type { Database } from '../../src/db/database.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { QUEUES } from '../../src/queue/names.ts';
import { connectRedis } from '../../src/queue/redis.ts';
import { RedisGate } from '../../src/queue/redisGate.ts';
import { startWorkers, type WorkerSet, type WorkerSetOptions } from '../../src/queue/workers.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.ts';
import { TEST_COUNTRY } from '../helpers/country.ts';
import { syncRange } from '../../src/sync/plan.ts';
import type { SyncDeps } from '../../src/sync/index.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { randomQueuePrefix, testRedisUrl } from '../helpers/redis.ts';
import { liveKeys, storedTransactions, truthKeys } from '../sync/harness.ts';
import { deleteKeys } from '../helpers/redisKeys.ts';

const BIN = fileURLToPath(new URL('../../bin/citi-sync.js', import.meta.url));
export const RATE = 200;

export interface QueueHarness {
  db: Database;
  dbUrl: string;
  redis: Redis;
  redisUrl: string;
  prefix: string;
  sandbox: Sandbox;
  cipher: TokenCipher;
  historyMonths: number;
  /** Sync deps on a client of its own (closed with the harness). */
  deps(): SyncDeps;
  /** Registers user `userIndex`'s consent as connection `id`. */
  connect(id: string, userIndex: number): Promise<string>;
  /** Workers in this process, on the same Redis gate as child processes would use. */
  inProcessWorkers(opts?: Partial<WorkerSetOptions>): Promise<WorkerSet>;
  spawnWorker(args?: string[], env?: Record<string, string>): Promise<ChildWorker>;
  connectionQueue(): Queue;
  /** Live rows of the connection equal the bank's truth over the synced history. */
  exact(connectionId: string, userId: string): Promise<{ live: string[]; truth: string[] }>;
  close(): Promise<void>;
}

export interface ChildWorker {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * One test's world: its own database, queue prefix and simulator, and the settings workers share
 * (in-process and child processes alike): the encryption key, a short history for speed.
 */
export async function queueHarness(opts: { sandbox?: SandboxOptions; historyMonths?: number } = {}): Promise<QueueHarness> {
  const historyMonths = opts.historyMonths ?? 3;
  const { db, url: dbUrl, drop } = await createTestDatabase();
  const sandbox = await startSandbox({ country: TEST_COUNTRY, seed: 11, rateLimit: false, ...opts.sandbox, profile: { users: 4, accountsPerUser: 2, transactionsPerAccount: 60, historyMonths, ...opts.sandbox?.profile } });
  const key = randomBytes(32);
  const cipher = new TokenCipher(key);
  const redisUrl = testRedisUrl();
  const redis = connectRedis(redisUrl);
  const prefix = randomQueuePrefix('q');
  const children: ChildWorker[] = [];
  const sets: WorkerSet[] = [];
  const clients: CitiClient[] = [];
  const queues: Queue[] = [];
  const userIds = new Map<string, string>();

  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    CITI_API_BASE_URL: sandbox.url,
    CITI_CLIENT_ID: sandbox.clientId,
    CITI_CLIENT_SECRET: sandbox.clientSecret,
    // Workers speak the simulator's dialect (the suite runs once per CITI_COUNTRY).
    CITI_COUNTRY: sandbox.country,
    CITI_SYNC_ENCRYPTION_KEY: key.toString('hex'),
    CITI_SYNC_QUEUE_PREFIX: prefix,
    CITI_MAX_REQUESTS_PER_SECOND: String(RATE),
    CITI_REQUEST_BURST: String(RATE),
    CITI_HISTORY_MONTHS: String(historyMonths),
    LOG_LEVEL: 'info',
  };

  const h: QueueHarness = {
    db,
    dbUrl,
    redis,
    redisUrl,
    prefix,
    sandbox,
    cipher,
    historyMonths,
    deps() {
      const client = new CitiClient({
        country: sandbox.country,
        baseUrl: sandbox.url,
        clientId: sandbox.clientId,
        clientSecret: sandbox.clientSecret,
        gate: new RedisGate(redis, { prefix, ratePerSecond: RATE, burst: RATE }),
        retryBaseMs: 20,
        retryMaxMs: 200,
      });
      clients.push(client);
      return {
        db,
        client,
        cipher,
        logger: silentLogger(),
        settings: { historyMonths, lookbackDays: 14, windowConcurrency: 4, accountConcurrency: 4 },
      };
    },
    async connect(id, userIndex) {
      const user = sandbox.users[userIndex]!;
      const t = await sandbox.issueTokens(user.userId);
      await addConnection(db, cipher, { id, refreshToken: t.refresh_token, country: sandbox.country });
      userIds.set(id, user.userId);
      return user.userId;
    },
    async inProcessWorkers(o = {}) {
      const deps = h.deps();
      const set = await startWorkers({ connection: redis, prefix, deps, concurrency: 4, retry: { attempts: 5, backoffMs: 200 }, refreshSweepEveryMs: false, ...o });
      sets.push(set);
      return set;
    },
    async spawnWorker(args = [], extra = {}) {
      const proc = spawn(process.execPath, [BIN, 'worker', '--concurrency', '4', ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
      const child: ChildWorker = { proc, output: () => out, exited };
      children.push(child);
      await waitFor(() => out.includes('"workers started"') || proc.exitCode !== null, 30_000, 'child worker start');
      if (proc.exitCode !== null) throw new Error(`worker exited with ${proc.exitCode}:\n${out}`);
      return child;
    },
    connectionQueue() {
      const q = new Queue(QUEUES.connection, { connection: redis, prefix });
      queues.push(q);
      return q;
    },
    async exact(connectionId, userId) {
      const today = sandbox.today();
      const { from } = syncRange({ today, watermark: null, full: true, historyMonths, lookbackDays: 14 });
      return { live: liveKeys(await storedTransactions(db, connectionId)), truth: truthKeys(sandbox, userId, from) };
    },
    async close() {
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await Promise.all(sets.map((s) => s.close(5000)));
      await Promise.all(queues.map((q) => q.close()));
      await Promise.all(clients.map((c) => c.close()));
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await sandbox.close();
      await drop();
    },
  };
  return h;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Connection-level runs that have finished, by status. */
export async function finishedRuns(db: Database): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM citi_sync.sync_runs WHERE account_id IS NULL AND status <> 'running' GROUP BY status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
