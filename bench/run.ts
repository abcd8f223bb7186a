/**
 * `npm run bench [-- --quick | --medium] [--out FILE] [--json FILE] [--only backfill,small,quota,latency,fleet,demo,lean] [--wait-quiet SECONDS]`
 *
 * Runs every scenario of issue #5 and writes BENCHMARKS.md and the raw figures (bench/last-run.json).
 * `--quick` runs the same scenarios on small worlds in well under a minute and writes to the temp
 * directory unless told otherwise, so it never replaces the reference figures
 * (test/bench/quick.test.ts runs it to keep the harness working). `--medium` (a tenth of the full
 * backfill) also writes to the temp directory: for direction while working.
 * Needs the Postgres of BENCH_DATABASE_URL (a superuser URL: it creates and drops databases) and
 * the Redis of REDIS_URL, defaulting to the local services.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { FULL, MEDIUM, QUICK, type BenchContext } from './lib/context.ts';
import { withAdmin } from './lib/db.ts';
import { analysis } from './lib/analysis.ts';
import { renderReport, targets, type AllResults } from './lib/report.ts';
import { runBackfillScenarios } from './scenarios/backfill.ts';
import { runDemoScenario } from './scenarios/demo.ts';
import { runFleetScenario } from './scenarios/fleet.ts';
import { runLeanRowScenario } from './scenarios/leanRow.ts';
import { runLatencyScenario } from './scenarios/latency.ts';
import { runQuotaScenario } from './scenarios/quota.ts';
import { runSmallScenarios } from './scenarios/small.ts';

// An interrupted run exits (rather than dying on the signal) so that child processes are killed
// (bench/lib/proc.ts). Its databases and queue keys stay behind: `citi_bench_*`, `{citi-bench-*}`.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
// Anything that escapes a scenario (an 'error' event nobody listens to, a promise nobody awaits) is
// reported as the bench's failure, and the process exits so that its children are killed too.
const fatal = (kind: string) => (err: unknown) => {
  process.stderr.write(`[bench] ${kind}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
};
process.on('uncaughtException', fatal('uncaught exception'));
process.on('unhandledRejection', fatal('unhandled rejection'));

const SCENARIOS = ['backfill', 'small', 'quota', 'latency', 'fleet', 'demo', 'lean'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    medium: { type: 'boolean', default: false },
    out: { type: 'string' },
    json: { type: 'string' },
    only: { type: 'string' },
    'wait-quiet': { type: 'string' },
  },
});

const only = new Set<Scenario>(values.only ? (values.only.split(',') as Scenario[]) : SCENARIOS);
for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario ${s} (one of ${SCENARIOS.join(', ')})`);
const scratchRun = values.quick || values.medium;
const out = resolve(values.out ?? (scratchRun ? join(tmpdir(), `citi-sync-bench-${values.quick ? 'quick' : 'medium'}.md`) : 'BENCHMARKS.md'));
const jsonOut = resolve(values.json ?? (values.out || scratchRun ? out.replace(/\.md$/, '') + '.json' : 'bench/last-run.json'));
const started = performance.now();
const scratch = mkdtempSync(join(tmpdir(), 'citi-bench-'));
const ctx: BenchContext = {
  quick: values.quick,
  sizes: values.quick ? QUICK : values.medium ? MEDIUM : FULL,
  adminUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  scratch,
  today: '2026-11-25',
  log: (msg) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`),
};

// Other work on a shared machine skews every wall time: optionally wait (up to N seconds) for the
// 1-minute load average to drop below the core count before starting.
const quietWait = Number(values['wait-quiet'] ?? 0) * 1000;
while (quietWait > 0 && loadavg()[0]! >= cpus().length && performance.now() - started < quietWait) {
  ctx.log(`waiting for a quieter machine (load ${loadavg()[0]!.toFixed(1)})`);
  await new Promise((r) => setTimeout(r, 15_000));
}

const waitedMs = performance.now() - started;

const pgSettings = await withAdmin(ctx.adminUrl, async (c) => {
  const { rows } = await c.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings
      WHERE name IN ('server_version', 'shared_buffers', 'fsync', 'synchronous_commit', 'max_wal_size')`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
});
/** The tree measured: HEAD, and whether src/ had uncommitted changes (read-only git calls). */
function treeOf(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} with uncommitted changes in src/` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const results: AllResults = {
  quick: ctx.quick,
  command: `npm run bench${ctx.quick ? ' -- --quick' : values.medium ? ' -- --medium' : ''}`,
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  durationMs: 0,
  waitedMs: 0,
  tree: treeOf(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    postgres: `PostgreSQL ${(pgSettings.server_version ?? '?').split(' ')[0]} (shared_buffers ${pgSettings.shared_buffers}, fsync ${pgSettings.fsync}, synchronous_commit ${pgSettings.synchronous_commit}, max_wal_size ${pgSettings.max_wal_size})`,
    os: `${type()} ${release()}`,
    loadStart: loadavg()[0]!,
    loadEnd: 0,
  },
};

// Every scenario's error is caught and reported (in the log and in the report's "Failed scenarios"),
// never left to crash the run: the other scenarios finish, the report is written, the exit code is 1.
const errors: Record<string, string> = {};
const step =
  <T>(name: Scenario, run: (c: BenchContext) => Promise<T>, store: (v: T) => void) =>
  async (): Promise<void> => {
    try {
      store(await run(ctx));
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      errors[name] = err instanceof Error ? err.message : String(err);
      ctx.log(`FAILED ${name}: ${message}`);
    }
  };
const steps: Array<() => Promise<void>> = [];
if (only.has('backfill')) steps.push(step('backfill', runBackfillScenarios, (v) => (results.backfill = v)));
if (only.has('small')) steps.push(step('small', runSmallScenarios, (v) => (results.small = v)));
if (only.has('quota')) steps.push(step('quota', runQuotaScenario, (v) => (results.quota = v)));
if (only.has('latency')) steps.push(step('latency', runLatencyScenario, (v) => (results.latency = v)));
if (only.has('fleet')) steps.push(step('fleet', runFleetScenario, (v) => (results.fleet = v)));
if (only.has('demo')) steps.push(step('demo', runDemoScenario, (v) => (results.demo = v)));
if (only.has('lean')) steps.push(step('lean', runLeanRowScenario, (v) => (results.lean = v)));
try {
  // A quick run only proves the harness works, so its scenarios overlap to stay under a minute; a
  // full run takes them one at a time, so that no scenario's figures carry another's load. Each step
  // catches its own error, so the scratch directory outlives every scenario still running.
  if (ctx.quick) await Promise.all(steps.map((s) => s()));
  else for (const s of steps) await s();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (Object.keys(errors).length > 0) results.errors = errors;
results.machine.loadEnd = loadavg()[0]!;
results.durationMs = performance.now() - started;
results.waitedMs = waitedMs;
writeFileSync(out, renderReport(results, analysis(results)));
writeFileSync(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
for (const t of targets(results)) ctx.log(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.actual} (goal ${t.goal})`);
ctx.log(`wrote ${out} and ${jsonOut} in ${(results.durationMs / 1000).toFixed(0)} s`);
if (results.errors) {
  ctx.log(`${Object.keys(results.errors).length} scenario(s) failed: ${Object.keys(results.errors).join(', ')}`);
  process.exitCode = 1;
}
