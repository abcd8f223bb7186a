/**
 * Crash chaos: SIGKILL `citi-sync sync` children at seeded random instants of a backfill and of
 * incremental runs (after the world moved on), resume each time, and compare the database with the
 * simulator's truth row by row. Used by test/reliability/crash.test.ts (small) and `npm run chaos`.
 *
 * Clocks: a `citi-sync` child plans its windows up to the REAL bank date (today in the market's time
 * zone), and the simulator refuses a window ending after its own today (400 tranxToDateAfterCurrDate).
 * So the world starts ON the real bank date (the backfill walks exactly the history the bank serves)
 * and the incremental rounds only ever move it forward from there: the bank is then ahead of the
 * CLI's calendar, and what the moved-on world changes inside the CLI's range (pendings that post or
 * vanish, corrections of posted rows, balances) is what each incremental run must pick up exactly.
 * Rows the world adds after the real date are outside the synced range on both sides (the CLI never
 * asks for them, the truth comparison stops at the same date).
 */
import { splitWindows } from '../../../src/citi/index.ts';
import { addDays } from '../../../src/sync/dates.ts';
import type { SandboxProfile } from '../../../src/sandbox/index.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { lines, runCli, spawnCli } from '../support/cli.ts';
import { problems } from '../support/exact.ts';
import { seeded, syncAndKill } from '../support/kill.ts';
import { relWorld, type DatabaseHandle, type RelWorld } from '../support/world.ts';

export interface CrashOptions {
  db: DatabaseHandle;
  seed: number;
  backfillKills: number;
  incrementalKills: number;
  /** Kills per incremental round; each round advances the world, then kills, then finishes. */
  killsPerRound: number;
  advancePerRound: number;
  profile: SandboxProfile;
  /** Simulator latency per response, so a run lasts long enough to be hit mid-way. */
  latencyMs: number;
  log?: (line: string) => void;
}

export interface PhaseFigures {
  kills: number;
  /** Children that finished before their kill instant came. */
  finishedFirst: number;
  /** Runs needed after the last kill (1 unless the clean run itself failed). */
  cleanRuns: number;
  pagesServed: number;
  requests: number;
  rowsCompared: number;
  ms: number;
  problems: string[];
}

export interface CrashFigures {
  seed: number;
  backfill: PhaseFigures;
  /**
   * changesInRange: what the advances changed that the incremental runs had to pick up: accounts
   * whose served object moved (balances, next payments) plus truth rows inside the synced range
   * added, removed or changed (pendings posted or vanished, corrections, card rows billed).
   */
  incremental: PhaseFigures & { rounds: number; changesInRange: number };
  connectionStatus: string;
  /** sync_runs rows of killed runs, left `running` forever (nothing marks them abandoned). */
  runsLeftRunning: number;
}

const SYNC = ['sync', '--connection', 'c1'];

export async function crashChaos(o: CrashOptions): Promise<CrashFigures> {
  const rounds = Math.ceil(o.incrementalKills / o.killsPerRound);
  const advanced = rounds * o.advancePerRound;
  // No advanceDays: the world's today is the real bank date, the one the children plan up to.
  const w = await relWorld({ db: o.db, sandbox: { seed: o.seed, profile: o.profile, faults: { latencyMs: o.latencyMs } } });
  if (w.sandbox.today() !== w.range.to) throw new Error(`the world starts on ${w.sandbox.today()}, the CLI plans up to ${w.range.to}: the clocks disagree`);
  // The world's moves reach back from the real date (a correction lands up to 29 days after its row
  // posted, a pending posts up to 3 days after its date): the lookback covers that and the days
  // advanced, so every change inside the range falls in the incremental window.
  const lookbackDays = w.lookbackDays + advanced;
  const env = w.env({ CITI_LOOKBACK_DAYS: String(lookbackDays) });
  const rng = seeded(o.seed);
  const log = o.log ?? (() => {});
  try {
    const userId = await w.connect('c1', 0);
    const backfill = await phase(w, env, rng, userId, o.backfillKills, estimatePages(w, userId, w.range.from), log, 'backfill');
    const inc: PhaseFigures = { kills: 0, finishedFirst: 0, cleanRuns: 0, pagesServed: 0, requests: 0, rowsCompared: 0, ms: 0, problems: [] };
    let changesInRange = 0;
    for (let r = 0; r < rounds; r++) {
      // Only forward from the real date: the bank never answers for less than the CLI's today.
      const before = inRange(w, userId);
      w.sandbox.advance(o.advancePerRound);
      const moved = changed(before, inRange(w, userId));
      changesInRange += moved;
      log(`advanced ${o.advancePerRound} days to ${w.sandbox.today()} (the CLI plans up to ${w.range.to}): ${moved} accounts or rows in range changed`);
      const kills = Math.min(o.killsPerRound, o.incrementalKills - r * o.killsPerRound);
      const from = addDays(w.range.to, -lookbackDays);
      const f = await phase(w, env, rng, userId, kills, estimatePages(w, userId, from), log, `incremental round ${r + 1}/${rounds}`);
      inc.kills += f.kills;
      inc.finishedFirst += f.finishedFirst;
      inc.cleanRuns += f.cleanRuns;
      inc.pagesServed += f.pagesServed;
      inc.requests += f.requests;
      inc.rowsCompared = f.rowsCompared;
      inc.ms += f.ms;
      inc.problems.push(...f.problems.map((p) => `round ${r + 1}: ${p}`));
    }
    const { rows } = await w.db.query<{ status: string }>(`SELECT status FROM citi_sync.connections WHERE id = 'c1'`);
    const { rows: running } = await w.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.sync_runs WHERE status = 'running'`);
    return { seed: o.seed, backfill, incremental: { ...inc, rounds, changesInRange }, connectionStatus: rows[0]?.status ?? 'missing', runsLeftRunning: running[0]?.n ?? 0 };
  } finally {
    await w.close();
  }
}

async function phase(
  w: RelWorld,
  env: Record<string, string | undefined>,
  rng: ReturnType<typeof seeded>,
  userId: string,
  kills: number,
  pagesEstimate: number,
  log: (line: string) => void,
  label: string,
): Promise<PhaseFigures> {
  const started = performance.now();
  const before = w.sandbox.stats();
  // Spread the kills over the run: on average each child gets through 1/(kills+1) of the pages.
  const span = Math.max(2, Math.ceil((2 * pagesEstimate) / (kills + 1)));
  const f: PhaseFigures = { kills: 0, finishedFirst: 0, cleanRuns: 0, pagesServed: 0, requests: 0, rowsCompared: 0, ms: 0, problems: [] };
  // A child that finishes before its kill instant does not count: try again until `kills` real
  // kills happened (bounded, in case the runs are too short to be hit).
  for (let attempt = 0; f.kills < kills && attempt < kills * 3; attempt++) {
    // One kill in six hits start-up (config, connect, account listing, token) instead of a page.
    const plan = rng.int(0, 5) === 0 ? { afterPages: 0, jitterMs: rng.int(200, 1500) } : { afterPages: rng.int(1, span), jitterMs: rng.int(0, 40) };
    const k = await syncAndKill(w.sandbox, SYNC, env, plan);
    if (k.killed) f.kills++;
    else {
      f.finishedFirst++;
      if (k.result.code !== 0) f.problems.push(`a run that was not killed exited ${k.result.code}: ${lines(k.result.stderr).slice(-3).join(' | ')}`);
    }
  }
  // Then let it finish. A clean run must succeed the first time: every kill left a resumable state.
  for (;;) {
    f.cleanRuns++;
    const r = await runCli(SYNC, env);
    if (r.code === 0) break;
    f.problems.push(`clean run ${f.cleanRuns} exited ${r.code ?? r.signal}: ${lines(r.stderr).slice(-3).join(' | ')}`);
    if (f.cleanRuns >= 3) break;
  }
  const e = await w.exact('c1', userId);
  f.rowsCompared = e.compared;
  f.problems.push(...problems(e));
  const after = w.sandbox.stats();
  f.pagesServed = after.pagesServed - before.pagesServed;
  f.requests = after.requests - before.requests;
  f.ms = Math.round(performance.now() - started);
  log(`${label}: ${f.kills} kills (${f.finishedFirst} finished first), ${f.pagesServed} pages, ${f.rowsCompared} rows compared, ${f.problems.length} problems, ${f.ms} ms`);
  return f;
}

/** The truth inside the synced range (what the comparison looks at): accounts, and rows by account. */
function inRange(w: RelWorld, userId: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const a of w.sandbox.truth(userId).accounts) {
    rows.set(a.accountId, JSON.stringify(a.served));
    // An id-less row is known by its content and its rank among rows of the same content.
    const seen = new Map<string, number>();
    for (const t of a.transactions) {
      if (t.transactionDate < w.range.from || t.transactionDate > w.range.to) continue;
      const content = `${t.transactionDate}|${t.postingDate}|${t.signedAmount}|${JSON.stringify(t.raw.transactionDescription ?? null)}`;
      const rank = (seen.get(content) ?? 0) + 1;
      seen.set(content, rank);
      const key = t.transactionId ?? `${content}#${rank}`;
      rows.set(`${a.accountId}|${key}`, `${t.status}|${t.signedAmount}|${t.postingDate}|${JSON.stringify(t.raw)}`);
    }
  }
  return rows;
}

function changed(before: Map<string, string>, after: Map<string, string>): number {
  let n = 0;
  for (const [k, v] of after) if (before.get(k) !== v) n++;
  for (const k of before.keys()) if (!after.has(k)) n++;
  return n;
}

/** Pages a full walk of [from, today] would take (statements not counted). */
function estimatePages(w: RelWorld, userId: string, from: string): number {
  let pages = 0;
  for (const a of w.sandbox.truth(userId).accounts) {
    for (const win of splitWindows(from, w.range.to, a.type)) {
      const n = a.transactions.filter((t) => t.transactionDate >= win.from && t.transactionDate <= win.to).length;
      pages += Math.max(1, Math.ceil(n / 50));
    }
  }
  return pages;
}

export interface TerminateFigures {
  runs: number;
  backendsTerminated: number;
  /** Per run: exit code, accounts failed with a recorded reason, whether it crashed. */
  outcomes: Array<{ code: number | null; failedAccounts: number; crashed: boolean; lastLine: string }>;
  nextRunCode: number | null;
  rowsCompared: number;
  ms: number;
  problems: string[];
}

/**
 * Postgres drops the sync's sessions mid-page (pg_terminate_backend on this database's `citi-sync`
 * backends), once in each of several runs: each run must end by itself, every account either retried
 * or failed with a recorded reason, no crash; the next clean run ends exact.
 */
export async function terminateBackends(o: { db: DatabaseHandle; seed: number; profile: SandboxProfile; latencyMs: number; at: number[] }): Promise<TerminateFigures> {
  const started = performance.now();
  const w = await relWorld({ db: o.db, sandbox: { seed: o.seed, profile: o.profile, faults: { latencyMs: o.latencyMs } } });
  const f: TerminateFigures = { runs: 0, backendsTerminated: 0, outcomes: [], nextRunCode: null, rowsCompared: 0, ms: 0, problems: [] };
  try {
    const userId = await w.connect('c1');
    for (const pages of o.at) {
      const base = w.sandbox.stats().pagesServed;
      const child = spawnCli(SYNC, w.env());
      let exited = false;
      void child.done.finally(() => (exited = true));
      while (!exited && w.sandbox.stats().pagesServed - base < pages) await sleep(2);
      if (!exited) {
        const { rows } = await w.db.query<{ n: number }>(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE application_name = 'citi-sync' AND datname = $1 AND pid <> pg_backend_pid()`,
          [w.dbName],
        );
        f.backendsTerminated += rows[0]?.n ?? 0;
      }
      const r = await child.done;
      f.runs++;
      const err = lines(r.stderr);
      // An uncaught error prints a stack; the CLI's own failures are one line each.
      const crashed = r.signal !== null || err.some((l) => /^\s+at /.test(l) || /Unhandled|uncaught/i.test(l));
      f.outcomes.push({ code: r.code, failedAccounts: err.filter((l) => l.startsWith('failed:')).length, crashed, lastLine: (err.at(-1) ?? '').slice(0, 300) });
      if (crashed) f.problems.push(`run ${f.runs} crashed: ${err.slice(-4).join(' | ')}`);
      if (r.code !== 0 && r.code !== 1) f.problems.push(`run ${f.runs} exited ${r.code}`);
    }
    const next = await runCli(SYNC, w.env());
    f.nextRunCode = next.code;
    if (next.code !== 0) f.problems.push(`the next run exited ${next.code}: ${lines(next.stderr).slice(-3).join(' | ')}`);
    const e = await w.exact('c1', userId);
    f.rowsCompared = e.compared;
    f.problems.push(...problems(e));
    if (f.backendsTerminated === 0) f.problems.push('no backend was terminated: the scenario proved nothing');
  } finally {
    f.ms = Math.round(performance.now() - started);
    await w.close();
  }
  return f;
}
