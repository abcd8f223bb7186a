/**
 * Child-process entry: the citi-sync engine wired exactly as `citi-sync sync` wires it (src/cli/app.ts),
 * syncing the given connections, then one JSON line on stdout with the figures only this process can
 * know (its peak RSS and CPU time). Run it under `node --cpu-prof` to profile the engine alone.
 *
 * Differences from the CLI, all outside the measured path: the job comes as JSON (argv[2]) instead of
 * env, the clock is the simulator's world date, and there is no progress bar.
 */
import { CitiClient, TokenBucketGate } from '../src/citi/index.ts';
import { TokenCipher } from '../src/auth/crypto.ts';
import type { Database } from '../src/db/database.ts';
import { processesCpuMs } from './lib/procCpu.ts';
import { openDatabase } from '../src/db/open.ts';
import { poolSizeFor } from '../src/sync/poolSize.ts';
import { createLogger } from '../src/log/logger.ts';
import { boundHeapGrowth } from '../src/cli/heapGrowth.ts';
import { syncConnection, type ConnectionResult, type SyncDeps, type SyncSettings } from '../src/sync/index.ts';
import pLimit from 'p-limit';
import { IoTrace, type IoStat } from './lib/ioTrace.ts';

export interface PipelineJob {
  /** A server Postgres; empty: embedded PGlite in `dataDir`. */
  databaseUrl: string;
  /** The embedded database's directory when `databaseUrl` is empty (migrated, connections added). */
  dataDir?: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Hex of the 32-byte key the connections' tokens were encrypted with. */
  encryptionKey: string;
  connectionIds: string[];
  /** World date of the simulator, YYYY-MM-DD. */
  today: string;
  settings: SyncSettings;
  /** CITI_MAX_REQUESTS_PER_SECOND. */
  ratePerSecond: number;
  /** CITI_REQUEST_BURST. @defaultValue ceil(ratePerSecond), as the CLI */
  burst?: number;
  /** Connections synced at once in this process. @defaultValue 1 (the CLI syncs them one by one) */
  connectionConcurrency?: number;
  /** Time every query and request (bench/lib/ioTrace.ts); off for the measured runs. */
  traceIo?: boolean;
}

export interface ConnectionFigures {
  status: ConnectionResult['status'];
  accounts: number;
  failedAccounts: number;
  errors: string[];
  requests: number;
  pages: number;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  restored: number;
}

export interface PipelineReport {
  ms: number;
  connections: ConnectionFigures[];
  totals: Omit<ConnectionFigures, 'status' | 'errors'>;
  /** process.resourceUsage().maxRSS: the peak over the whole run, startup included. */
  maxRssMB: number;
  /** RSS once everything was loaded and connected, before the first sync. */
  startRssMB: number;
  /** Highest V8 heapUsed seen by a 100 ms sampler. */
  peakHeapUsedMB: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /**
   * CPU of the Postgres backends this process used (its pool's sessions, read from /proc at the end
   * of the run, while they are still connected). 0 on PGlite: there Postgres runs inside the engine
   * process and its CPU is in cpuUserMs.
   */
  postgresCpuMs: number;
  /** Backends that postgresCpuMs summed. */
  postgresBackends: number;
  io?: IoStat[];
  /** process.memoryUsage() at start-up and the highest value of each field the sampler saw, in MB. */
  mem?: { start: Record<string, number>; peak: Record<string, number> };
}

const MB = 1024 * 1024;

function figures(r: ConnectionResult): ConnectionFigures {
  const sum = (k: 'requests' | 'pages' | 'inserted' | 'updated' | 'unchanged' | 'removed' | 'restored') => r.accounts.reduce((s, a) => s + a[k], 0);
  const failed = r.accounts.filter((a) => a.status === 'failed');
  return {
    status: r.status,
    accounts: r.accounts.length,
    failedAccounts: failed.length,
    errors: [...(r.error ? [r.error] : []), ...failed.map((a) => `${a.accountId}: ${a.error ?? 'failed'}`)].slice(0, 5),
    requests: sum('requests'),
    pages: sum('pages'),
    inserted: sum('inserted'),
    updated: sum('updated'),
    unchanged: sum('unchanged'),
    removed: sum('removed'),
    restored: sum('restored'),
  };
}

async function main(job: PipelineJob): Promise<PipelineReport> {
  const logger = createLogger({ level: 'warn' });
  const trace = job.traceIo ? new IoTrace() : undefined;
  // Sized as `citi-sync sync` sizes it (src/cli/app.ts), so the bench measures what users run.
  const poolSize = poolSizeFor(job.settings.accountConcurrency * (job.connectionConcurrency ?? 1), job.settings.windowConcurrency);
  const opened = await openDatabase(job.databaseUrl ? { url: job.databaseUrl, applicationName: 'citi-sync-bench', poolSize } : { dataDir: job.dataDir });
  const db = trace ? trace.wrap(opened) : opened;
  const client = new CitiClient({
    baseUrl: job.baseUrl,
    clientId: job.clientId,
    clientSecret: job.clientSecret,
    gate: new TokenBucketGate({ perSecond: job.ratePerSecond, burst: job.burst ?? Math.max(1, Math.ceil(job.ratePerSecond)) }),
    logger,
    onRequest: trace?.onRequest,
  });
  const deps: SyncDeps = {
    db,
    client,
    cipher: new TokenCipher(Buffer.from(job.encryptionKey, 'hex')),
    logger,
    settings: job.settings,
    now: () => new Date(`${job.today}T12:00:00Z`),
  };
  let peakHeap = process.memoryUsage().heapUsed;
  const inMB = (m: NodeJS.MemoryUsage): Record<string, number> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round((v / MB) * 10) / 10]));
  const memStart = inMB(process.memoryUsage());
  const memPeak: Record<string, number> = { ...memStart };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    for (const [k, v] of Object.entries(inMB(m))) memPeak[k] = Math.max(memPeak[k] ?? 0, v);
  }, 100);
  const startRss = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const limit = pLimit(job.connectionConcurrency ?? 1);
  try {
    const results = await Promise.all(job.connectionIds.map((id) => limit(() => syncConnection(deps, id, { trigger: 'manual' }))));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const backends = opened.kind === 'postgres' ? await ownBackends(opened) : [];
    const connections = results.map(figures);
    const totals = connections.reduce(
      (t, c) => {
        for (const k of ['accounts', 'failedAccounts', 'requests', 'pages', 'inserted', 'updated', 'unchanged', 'removed', 'restored'] as const) t[k] += c[k];
        return t;
      },
      { accounts: 0, failedAccounts: 0, requests: 0, pages: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0, restored: 0 },
    );
    return {
      ms,
      connections: connections.length > 20 ? connections.filter((c) => c.status !== 'succeeded').slice(0, 20) : connections,
      totals,
      // Node reports maxRSS in kilobytes.
      maxRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
      startRssMB: startRss / MB,
      peakHeapUsedMB: Math.max(peakHeap, process.memoryUsage().heapUsed) / MB,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      postgresCpuMs: processesCpuMs(backends),
      postgresBackends: backends.length,
      ...(trace ? { io: trace.top(20) } : {}),
      mem: { start: memStart, peak: memPeak },
    };
  } finally {
    clearInterval(sampler);
    await client.close();
    await db.close();
  }
}

/** The pids of this process's sessions (every backend of the database named for the engine). */
async function ownBackends(db: Database): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'citi-sync-bench'`,
  );
  return rows.map((r) => r.pid);
}

// As `citi-sync sync` does (src/cli/commands/sync.ts).
boundHeapGrowth();
const job = JSON.parse(process.argv[2] ?? '{}') as PipelineJob;
main(job).then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`pipeline failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
