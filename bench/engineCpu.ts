/**
 * `npx tsx bench/engineCpu.ts [--runs 5] [--accounts 100] [--per-account 1000] [--profile DIR]`
 *
 * The engine's CPU per row, on its own: the backfill of the small world (scenario 6's size, 100k
 * rows) run several times, each into a fresh database against one simulator, and the engine
 * process's CPU (user + system, from bench/pipeline.ts) reported per run and as the median per 100k
 * rows. CPU seconds, not wall time: on a shared machine other work changes the wall time far more
 * than the CPU a process spends. `--profile DIR` adds one run under `--cpu-prof` and prints its top
 * functions (not counted in the median: the profiler costs CPU too).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeProfile } from './lib/cpuProfile.ts';
import { connectUsers } from './lib/connections.ts';
import { pipelineJob } from './lib/context.ts';
import { createBenchDatabase } from './lib/db.ts';
import { runPipeline } from './lib/proc.ts';
import { startSandboxProcess } from './lib/sandbox.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    accounts: { type: 'string', default: '100' },
    'per-account': { type: 'string', default: '1000' },
    profile: { type: 'string' },
  },
});
const runs = Number(values.runs);
const accounts = Number(values.accounts);
const perAccount = Number(values['per-account']);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const log = (msg: string) => process.stderr.write(`[engine-cpu] ${msg}\n`);

const sb = await startSandboxProcess({
  seed: 1,
  today: '2026-11-25',
  rateLimit: false,
  autoConsent: true,
  profile: { users: 1, accountsPerUser: accounts, transactionsPerAccount: perAccount },
});
try {
  const once = async (nodeFlags: string[] = []) => {
    const db = await createBenchDatabase(adminUrl, 'enginecpu');
    try {
      const conn = await connectUsers(db.db, sb);
      const r = await runPipeline(pipelineJob(sb, db.url, conn), { nodeFlags });
      if (r.totals.failedAccounts > 0) throw new Error(`failed accounts: ${r.connections.flatMap((c) => c.errors).join('; ')}`);
      return r;
    } finally {
      await db.drop();
    }
  };
  const perRun: number[] = [];
  for (let i = 0; i < runs; i++) {
    const load = loadavg()[0]!;
    const r = await once();
    const cpuS = (r.cpuUserMs + r.cpuSystemMs) / 1000;
    const per100k = (cpuS * 100_000) / r.totals.inserted;
    perRun.push(per100k);
    log(
      `run ${i + 1}: ${r.totals.inserted} rows, engine ${cpuS.toFixed(2)} CPU-s (user ${(r.cpuUserMs / 1000).toFixed(2)}, sys ${(r.cpuSystemMs / 1000).toFixed(2)}) = ${per100k.toFixed(2)} CPU-s/100k rows, ` +
        `postgres ${(r.postgresCpuMs / 1000).toFixed(2)} CPU-s, wall ${(r.ms / 1000).toFixed(1)} s, peak RSS ${r.maxRssMB.toFixed(0)} MB, load ${load.toFixed(2)}`,
    );
  }
  const sorted = [...perRun].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  log(`median ${median.toFixed(2)} engine CPU-s per 100k rows over ${runs} runs (min ${sorted[0]!.toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)})`);
  if (values.profile) {
    const dir = resolve(values.profile);
    mkdirSync(dir, { recursive: true });
    const before = new Set(readdirSync(dir));
    await once(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    // The main thread's profile is the largest new one (tsx's loader thread writes a small second one).
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
    const summaries = files.map((f) => ({ f, s: summarizeProfile(join(dir, f), 30) })).sort((a, b) => b.s.busyMs - a.s.busyMs);
    const main = summaries[0]!;
    log(`profile ${join(dir, main.f)}: busy ${(main.s.busyMs / 1000).toFixed(2)} s`);
    for (const t of main.s.top) log(`  ${t.pct.toFixed(1).padStart(5)} %  ${t.ms.toFixed(0).padStart(6)} ms  ${t.fn}  ${t.where}`);
    for (const o of main.s.byOwner.slice(0, 12)) log(`  owner ${o.pct.toFixed(1).padStart(5)} %  ${o.owner}`);
  }
} finally {
  await sb.close();
}
