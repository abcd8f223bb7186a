/**
 * `npx tsx bench/memoryProbe.ts ACCOUNTS PER_ACCOUNT RUNS [node flags…]`
 *
 * The memory figures of scenario 6 alone, on a world of your size (100 × 1000 is its 100k point,
 * 100 × 10000 its 1M one): the simulator in its own process, then RUNS backfills by the pipeline
 * child (bench/pipeline.ts), each into a fresh database, one JSON line each: peak RSS, the
 * process.memoryUsage() split at start-up and at its peaks, engine / Postgres / simulator CPU
 * seconds, the load average. Node flags go to the pipeline child (`--trace-gc`,
 * `--heapsnapshot-signal=SIGUSR2`); its whole stdout is kept in the temp directory
 * (citi-sync-memory-run-N.log), GC traces included.
 */
import { connectUsers } from './lib/connections.ts';
import { pipelineJob } from './lib/context.ts';
import { createBenchDatabase } from './lib/db.ts';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { PipelineJob, PipelineReport } from './pipeline.ts';
import { startSandboxProcess } from './lib/sandbox.ts';
import { processCpuMs } from './lib/procCpu.ts';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const [accounts, per, runs] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const flags = process.argv.slice(5);
const sb = await startSandboxProcess({ seed: 1, today: '2026-11-25', rateLimit: false, autoConsent: true, profile: { users: 1, accountsPerUser: accounts, transactionsPerAccount: per } });
try {
  for (let i = 0; i < runs; i++) {
    const db = await createBenchDatabase('postgres://postgres@127.0.0.1:5432/test', 'memprobe');
    try {
      const conn = await connectUsers(db.db, sb);
      const s0 = processCpuMs(sb.pid);
      const r = await run(pipelineJob(sb, db.url, conn), i);
      const { io: _io, connections: _c, ...rest } = r;
      console.log(JSON.stringify({ load: loadavg()[0], rows: r.totals.inserted, failed: r.totals.failedAccounts, maxRssMB: r.maxRssMB.toFixed(1), startRssMB: r.startRssMB.toFixed(1), peakHeapMB: r.peakHeapUsedMB.toFixed(1), cpuS: ((r.cpuUserMs + r.cpuSystemMs) / 1000).toFixed(2), pgCpuS: (r.postgresCpuMs / 1000).toFixed(1), simCpuS: ((processCpuMs(sb.pid) - s0) / 1000).toFixed(1), wallS: (r.ms / 1000).toFixed(1), extra: (rest as Record<string, unknown>).mem }));
    } finally {
      await db.drop();
    }
  }
} finally {
  await sb.close();
}

/** bench/lib/proc.ts's runPipeline, keeping the child's whole stdout (GC traces) in the temp directory. */
async function run(job: PipelineJob, i: number): Promise<PipelineReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...flags, 'bench/pipeline.ts', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise((r) => child.once('close', r));
  writeFileSync(join(tmpdir(), `citi-sync-memory-run-${i}.log`), out);
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop()!;
  return JSON.parse(line) as PipelineReport;
}
