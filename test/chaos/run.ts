/**
 * `npm run chaos`: the big versions of the reliability scenarios (test/reliability has the small ones
 * the suite runs). Needs the Postgres of the test suite (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test, superuser: each scenario gets a database of its own).
 *
 *   npm run chaos                       # everything, seed 1
 *   npm run chaos -- --seed 7 --only crash,faults --json out.json
 *
 * Prints one line per scenario and a summary table; exits 1 if any scenario found a problem.
 * The figures in RELIABILITY.md come from this output.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { crashChaos, terminateBackends } from '../reliability/scenarios/crash.ts';
import { concurrentSyncs } from '../reliability/scenarios/concurrency.ts';
import { FAULT_CASES, runFaultCase, runStuckAccount } from '../reliability/scenarios/faults.ts';
import { redisRestartUnderWorker } from '../reliability/scenarios/redisRestart.ts';
import { secretsScenario, SECRET_FAULTS } from '../reliability/scenarios/secrets.ts';
import { DEFAULT_ADMIN_URL, scratchDatabase } from '../helpers/scratchDb.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    only: { type: 'string' },
    kills: { type: 'string', default: '30' },
    json: { type: 'string' },
  },
});
const seed = Number(values.seed);
const kills = Number(values.kills);
const only = values.only?.split(',').map((s) => s.trim());
const adminUrl = process.env.DATABASE_URL ?? DEFAULT_ADMIN_URL;
const db = () => scratchDatabase(adminUrl, 'chaos', { applicationName: 'citi-sync-reliability' });
const log = (s: string) => process.stdout.write(`  ${s}\n`);

/** The default simulator population's first user: 8 accounts of every type, about 2 000 rows. */
const FULL = { users: 3, accountsPerUser: 'mixed' as const, historyMonths: 24 };

interface Outcome {
  scenario: string;
  ok: boolean;
  figures: unknown;
  problems: string[];
  ms: number;
}
const outcomes: Outcome[] = [];

async function scenario(name: string, run: () => Promise<{ problems: string[] } & object>): Promise<void> {
  if (only && !only.some((o) => name.startsWith(o))) return;
  process.stdout.write(`${name} …\n`);
  const started = performance.now();
  try {
    const figures = await run();
    const ms = Math.round(performance.now() - started);
    outcomes.push({ scenario: name, ok: figures.problems.length === 0, figures, problems: figures.problems, ms });
    process.stdout.write(`${figures.problems.length === 0 ? 'ok  ' : 'FAIL'} ${name} (${(ms / 1000).toFixed(1)} s) ${JSON.stringify(figures)}\n`);
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    const problem = `threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    outcomes.push({ scenario: name, ok: false, figures: null, problems: [problem], ms });
    process.stdout.write(`FAIL ${name}: ${problem}\n`);
  }
}

await scenario('crash: SIGKILL during backfill and incremental runs', async () => {
  const f = await crashChaos({
    db: await db(),
    seed,
    backfillKills: kills,
    incrementalKills: kills,
    killsPerRound: 3,
    advancePerRound: 2,
    profile: FULL,
    latencyMs: 5,
    log,
  });
  return { ...f, problems: [...f.backfill.problems, ...f.incremental.problems, ...(f.connectionStatus === 'active' ? [] : [`connection is ${f.connectionStatus}`])] };
});

await scenario('crash: pg_terminate_backend mid-page', async () =>
  terminateBackends({ db: await db(), seed, profile: FULL, latencyMs: 5, at: [2, 5, 9, 14, 20, 30, 45, 60] }),
);

let baseline: number | undefined;
for (const c of FAULT_CASES) {
  await scenario(`faults: ${c.name}`, async () => {
    const f = await runFaultCase(c, { db: await db(), seed, profile: FULL, retryAfterSeconds: 1, baselineRequests: baseline });
    if (c.name.startsWith('none')) baseline = f.requests;
    return f;
  });
}
await scenario('faults: a 500 that never clears on one account', async () =>
  runStuckAccount({ db: await db(), seed, profile: FULL, retryAfterSeconds: 1 }),
);

await scenario('concurrency: 8 sync processes on one connection', async () =>
  concurrentSyncs({ db: await db(), processes: 8, seed, profile: FULL }),
);
await scenario('concurrency: 8 sync processes, faults on', async () =>
  concurrentSyncs({ db: await db(), processes: 8, seed: seed + 1, profile: FULL, faults: SECRET_FAULTS }),
);

await scenario('secrets: trace logs, errors, sync_runs, analytics; wrong key', async () =>
  secretsScenario({ db: await db(), seed, profile: FULL }),
);

// Last: it restarts the shared Redis (see redisRestart.ts).
await scenario('worker: Redis restarts under a running worker', async () =>
  redisRestartUnderWorker({ db: await db(), seed, profile: FULL, latencyMs: 10 }),
);

process.stdout.write('\n| scenario | result | time |\n| --- | --- | --- |\n');
for (const o of outcomes) process.stdout.write(`| ${o.scenario} | ${o.ok ? 'ok' : `FAIL: ${o.problems.slice(0, 2).join('; ')}`} | ${(o.ms / 1000).toFixed(1)} s |\n`);
if (values.json) writeFileSync(values.json, JSON.stringify({ seed, kills, at: new Date().toISOString(), outcomes }, null, 2));
process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1;
