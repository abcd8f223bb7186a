/** Turns the scenario results into BENCHMARKS.md: the figures, each target met or missed, the profile. */
import type { BackfillResults, PipelineRun } from '../scenarios/backfill.ts';
import type { DemoResults } from '../scenarios/demo.ts';
import type { FleetResults } from '../scenarios/fleet.ts';
import type { LeanRowResults } from '../scenarios/leanRow.ts';
import type { LatencyResults } from '../scenarios/latency.ts';
import type { QuotaResults } from '../scenarios/quota.ts';
import type { SmallResults } from '../scenarios/small.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  os: string;
  /** 1-minute load average at the start and end of the run: other work on the machine skews figures. */
  loadStart: number;
  loadEnd: number;
}

export interface AllResults {
  quick: boolean;
  command: string;
  date: string;
  durationMs: number;
  /** Of durationMs, the time spent waiting for a quieter machine (--wait-quiet). */
  waitedMs?: number;
  /** The commit measured (absent in runs from before it was recorded). */
  tree?: string;
  machine: Machine;
  backfill?: BackfillResults;
  small?: SmallResults;
  quota?: QuotaResults;
  latency?: LatencyResults;
  fleet?: FleetResults;
  demo?: DemoResults;
  lean?: LeanRowResults;
  /** Scenarios that failed, with the error each ended on: their sections are missing from the report. */
  errors?: Record<string, string>;
}

export interface Target {
  name: string;
  goal: string;
  actual: string;
  met: boolean;
}

const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const x = (r: number) => `${r.toFixed(2)}×`;
const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
const rate = (rows: number, ms: number) => (ms > 0 ? rows / (ms / 1000) : 0);
const routes = (r: PipelineRun) =>
  Object.entries(r.byRoute)
    .map(([k, v]) => `${k.replace('GET /v1/accounts', '…').replace('POST /authCode/oauth2/', 'token ')}: ${n(v)}`)
    .join('; ');

export function derived(r: AllResults) {
  const b = r.backfill;
  const out: Record<string, number> = {};
  if (b) {
    out.pipelineMs = b.backfill.ms;
    out.floorMs = b.apiFloorSequential.ms + b.copyFloor.ms;
    out.floorConcurrentMs = b.apiFloorConcurrent.ms + b.copyFloor.ms;
    out.pipelineOverFloor = b.backfill.ms / out.floorMs;
    out.pipelineOverConcurrentFloor = b.backfill.ms / out.floorConcurrentMs;
    if (b.apiFloorAccounts && b.coreCopyFloor) {
      out.coreFloorMs = b.apiFloorAccounts.ms + b.coreCopyFloor.ms;
      out.pipelineOverCoreFloor = b.backfill.ms / out.coreFloorMs;
    }
    out.naiveRowsPerSecond = rate(b.naive.rows, b.naive.ms);
    out.naiveProjectedMs = (b.backfill.totals.inserted / out.naiveRowsPerSecond) * 1000;
    out.naiveOverPipeline = out.naiveProjectedMs / b.backfill.ms;
    out.noChangeShare = b.noChange.ms / b.backfill.ms;
    out.changedShare = (b.changed.expected.added + b.changed.expected.removed + b.changed.expected.changed) / Math.max(1, b.changed.rowsInLookback);
  }
  if (r.small && b) out.rssGrowth = b.backfill.maxRssMB / r.small.run.maxRssMB - 1;
  if (r.quota) out.quotaRatio = r.quota.run.ms / r.quota.floorMs;
  if (r.latency) {
    const [target] = r.latency.markets;
    out.latencyRatio = target!.sequential.ms / target!.split.ms;
  }
  if (r.fleet) out.fleetRatio = r.fleet.two.connectionsPerSecond / r.fleet.one.connectionsPerSecond;
  return out;
}

export function targets(r: AllResults): Target[] {
  const d = derived(r);
  const t: Target[] = [];
  const b = r.backfill;
  if (b) {
    if (d.pipelineOverCoreFloor !== undefined) {
      t.push({ name: 'Backfill vs floor (4 accounts fetched at once + COPY of 8 core columns)', goal: '≤ 1.5×', actual: x(d.pipelineOverCoreFloor), met: d.pipelineOverCoreFloor <= 1.5 });
    }
    t.push({ name: 'Backfill vs sequential floor (sequential fetch + COPY of full rows)', goal: '≤ 1.0×', actual: x(d.pipelineOverFloor!), met: d.pipelineOverFloor! <= 1.0 });
    t.push({ name: 'Backfill vs naive', goal: '≥ 12× faster', actual: x(d.naiveOverPipeline!), met: d.naiveOverPipeline! >= 12 });
    t.push({
      name: 'Backfill stores exactly the world',
      goal: 'every account matches',
      actual: `${b.backfill.mismatchedAccounts} of ${b.profile.accountsPerUser} accounts differ`,
      met: b.backfill.mismatchedAccounts === 0 && b.backfill.totals.failedAccounts === 0,
    });
    const w = b.noChange.writes;
    t.push({
      name: 'No-change re-sync writes nothing',
      goal: '0 rows',
      actual: `${w.inserted} ins / ${w.updated} upd / ${w.deleted} del (xmin: ${b.noChange.xminRows})`,
      met: w.inserted + w.updated + w.deleted === 0 && b.noChange.xminRows === 0,
    });
    t.push({ name: 'No-change re-sync time', goal: '≤ 3 % of backfill', actual: pct(d.noChangeShare!), met: d.noChangeShare! <= 0.03 });
    const c = b.changed;
    const exact = c.missed === 0 && c.totals.inserted === c.expected.added && c.totals.removed === c.expected.removed;
    t.push({
      name: 'Changed re-sync writes exactly the changes',
      goal: 'DB = truth in the synced range',
      actual: `${c.missed} missed; inserted ${c.totals.inserted}/${c.expected.added}, removed ${c.totals.removed}/${c.expected.removed}, updated ${c.totals.updated}/${c.expected.changed}`,
      met: exact,
    });
  }
  if (r.quota) {
    t.push({ name: 'Quota-bound vs floor', goal: '≤ 1.1× requests ÷ 10/s', actual: x(d.quotaRatio!), met: d.quotaRatio! <= 1.1 });
    t.push({ name: 'Quota-bound 429s', goal: '0', actual: String(r.quota.run.served429), met: r.quota.run.served429 === 0 });
  }
  if (b) t.push({ name: 'Peak RSS (big backfill)', goal: '≤ 200 MB', actual: `${b.backfill.maxRssMB.toFixed(0)} MB`, met: b.backfill.maxRssMB <= 200 });
  if (r.small && b) t.push({ name: 'RSS growth 10× rows', goal: '≤ 15 %', actual: pct(d.rssGrowth!), met: d.rssGrowth! <= 0.15 });
  if (r.demo) {
    const p = r.demo.pglite;
    t.push({ name: '`citi-sync demo` on PGlite, fresh data dir', goal: '≤ 400 MB, ≤ 6 s', actual: `${p.maxRssMB.toFixed(0)} MB, ${s(p.ms)}`, met: p.maxRssMB <= 400 && p.ms <= 6000 });
  }
  if (r.latency) t.push({ name: `Latency: split windows (${r.latency.markets[0]!.country}, paged)`, goal: '≥ 4×', actual: x(d.latencyRatio!), met: d.latencyRatio! >= 4 });
  if (r.fleet) t.push({ name: `Latency: 2 workers vs 1 (${r.fleet.mode})`, goal: '≥ 1.8×', actual: x(d.fleetRatio!), met: d.fleetRatio! >= 1.8 });
  return t;
}

export function renderReport(r: AllResults, notes: string): string {
  const d = derived(r);
  const L: string[] = [];
  const m = r.machine;
  L.push('# Benchmarks', '');
  L.push(
    `Generated by \`${r.command}\` on ${r.date}${r.tree ? ` at commit ${r.tree}` : ''} (the whole run took ${s(r.durationMs)}${r.waitedMs ? `, of which ${s(r.waitedMs)} waiting for the load average to drop (\`--wait-quiet\`)` : ''}; raw figures in \`bench/last-run.json\`).${r.quick ? ' **Quick size: not the reference figures.**' : ''}`,
    '',
  );
  L.push(
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB.toFixed(0)} GiB, ${m.os}; Node ${m.node}; ${m.postgres}, as installed (not tuned). ` +
      `1-minute load average ${m.loadStart.toFixed(1)} at the start and ${m.loadEnd.toFixed(1)} at the end: other work on this shared machine competes for its ${m.cpus} cores, so treat wall times as ±20 %; CPU seconds are steadier.`,
    '',
  );
  L.push(
    'Each scenario runs the simulator (`src/sandbox`, rate limit off and no latency unless said) in its own process and the engine in another (`bench/pipeline.ts`: `syncConnection` wired as `citi-sync sync` wires it, CLI defaults: 4 accounts × 4 windows at once, pool sized by `poolSizeFor`: 24), against a fresh database created for the scenario and dropped after. Scenarios 1, 3 and 4 share one database because the re-syncs need the backfill.',
    '',
  );

  if (r.errors && Object.keys(r.errors).length > 0) {
    L.push('## Failed scenarios', '', 'These scenarios ended on an error, so their sections and targets are missing below.', '');
    for (const [name, message] of Object.entries(r.errors)) L.push(`- **${name}**: \`${message.split('\n')[0]!.replaceAll('`', "'").slice(0, 500)}\``);
    L.push('');
  }
  L.push('## Targets', '', '| Target | Goal | Actual | |', '| --- | --- | --- | --- |');
  for (const t of targets(r)) L.push(`| ${t.name} | ${t.goal} | ${t.actual} | ${t.met ? 'met' : '**missed**'} |`);
  L.push('');

  const b = r.backfill;
  if (b) {
    const p = b.backfill;
    L.push('## 1–4. Backfill, floors, re-syncs', '');
    L.push(`World: ${b.profile.users} connection, ${b.profile.accountsPerUser} accounts (checking, card, savings, loan in turn) × ~${n(b.profile.transactionsPerAccount)} transactions, 24 months: ${n(b.rowsInWorld)} rows. Pages of 50.`, '');
    L.push('| Figure | Value |', '| --- | --- |');
    L.push(`| **1. Backfill** wall time (sync, in the engine process) | ${s(p.ms)} (process start to exit: ${s(p.wallMs)}) |`);
    L.push(`| rows stored / rows/s | ${n(p.totals.inserted)} / ${n(rate(p.totals.inserted, p.ms))} |`);
    L.push(`| requests | ${n(p.requests)} (${routes(p)}) |`);
    L.push(`| peak RSS of the engine process | ${p.maxRssMB.toFixed(0)} MB (${p.startRssMB.toFixed(0)} MB after start-up; V8 heap peak ${p.peakHeapUsedMB.toFixed(0)} MB) |`);
    L.push(`| engine CPU | ${s(p.cpuUserMs + p.cpuSystemMs)} (${pct((p.cpuUserMs + p.cpuSystemMs) / p.ms)} of one core; ${n(rate(p.totals.inserted, p.cpuUserMs + p.cpuSystemMs))} rows per CPU-second) |`);
    const fs = b.apiFloorSequential;
    const fc = b.apiFloorConcurrent;
    L.push(`| **2. API floor**, sequential (1 request in flight) | ${s(fs.ms)}: ${n(fs.requests)} requests, ${n(fs.transactionRows)} rows, ${n(rate(fs.transactionRows, fs.ms))} rows/s${fs.retries ? ` (${n(fs.retries)} resent after the connection dropped)` : ''} |`);
    L.push(`| API floor, ${fc.concurrency} window walks in flight (the engine's 4 × 4) | ${s(fc.ms)}, ${n(rate(fc.transactionRows, fc.ms))} rows/s |`);
    L.push(`| **DB floor**: COPY of the same ${n(b.copyFloor.rows)} rows into a fresh copy of the table | ${s(b.copyFloor.ms)}, ${n(rate(b.copyFloor.rows, b.copyFloor.ms))} rows/s |`);
    L.push(`| floor = API floor (sequential) + DB floor | ${s(d.floorMs!)} → pipeline/floor **${x(d.pipelineOverFloor!)}** |`);
    if (b.apiFloorAccounts && b.coreCopyFloor) {
      const fa = b.apiFloorAccounts;
      L.push(`| API floor, ${fa.accountsInFlight} accounts in flight (each account's windows one after another) | ${s(fa.ms)}, ${n(rate(fa.transactionRows, fa.ms))} rows/s |`);
      L.push(`| DB floor, core: COPY of the 8 core columns into a table keyed on (account_id, transaction_id) | ${s(b.coreCopyFloor.ms)}, ${n(rate(b.coreCopyFloor.rows, b.coreCopyFloor.ms))} rows/s |`);
      L.push(`| **issue floor** = API floor (${fa.accountsInFlight} accounts) + core COPY | ${s(d.coreFloorMs!)} → pipeline/floor **${x(d.pipelineOverCoreFloor!)}** |`);
    }
    L.push(`| floor with the concurrent API floor | ${s(d.floorConcurrentMs!)} → pipeline/floor ${x(d.pipelineOverConcurrentFloor!)} |`);
    L.push(
      `| **Naive** (sequential fetch, one autocommitted INSERT … ON CONFLICT per row), run on a subset | ${n(b.naive.rows)} rows (${b.naive.accounts} accounts) in ${s(b.naive.ms)}: ${n(d.naiveRowsPerSecond!)} rows/s; projected for ${n(p.totals.inserted)} rows: ${s(d.naiveProjectedMs!)} → naive/pipeline **${x(d.naiveOverPipeline!)}** |`,
    );
    const c3 = b.noChange;
    L.push(`| **3. No-change re-sync** | ${s(c3.ms)} (${pct(d.noChangeShare!)} of the backfill), ${n(c3.requests)} requests (${routes(c3)}) |`);
    L.push(`| rows written (pg_stat_user_tables deltas; xmin check) | ${c3.writes.inserted} inserted, ${c3.writes.updated} updated, ${c3.writes.deleted} deleted; ${c3.xminRows} row versions newer than the run's start |`);
    const c4 = b.changed;
    L.push(
      `| **4. Re-sync after \`advance(1)\`** | ${s(c4.ms)}, ${n(c4.requests)} requests; the day changed ${n(c4.expected.added + c4.expected.removed + c4.expected.changed)} of the ${n(c4.rowsInLookback)} rows in the synced range (${pct(d.changedShare!)}: one simulated day is the smallest change the simulator makes; see notes) |`,
    );
    L.push(`| expected from the simulator's truth (synced range) | ${c4.expected.added} new, ${c4.expected.removed} gone (pendings that posted or expired), ${c4.expected.changed} altered in place |`);
    L.push(`| engine's counts | ${c4.totals.inserted} inserted, ${c4.totals.removed} removed, ${c4.totals.updated} updated, ${n(c4.totals.unchanged)} unchanged; ${c4.missed} expected changes not in the database |`);
    L.push(`| rows written (pg_stat deltas) | ${c4.writes.inserted} inserted, ${c4.writes.updated} updated, ${c4.writes.deleted} deleted |`);
    L.push(
      `| changes older than the synced range | ${c4.olderChanges.changed} rows corrected in place (${c4.olderChanges.added} new, ${c4.olderChanges.removed} gone); ${c4.olderMissed} of them not picked up |`,
    );
    L.push('');
  }

  if (r.quota) {
    const q = r.quota;
    L.push('## 5. Quota-bound', '');
    L.push(
      `${q.accounts} account(s) × ~${n(q.perAccount)} transactions; simulator limit 10/s burst 20, client \`CITI_MAX_REQUESTS_PER_SECOND=10\` (burst 10). ${n(q.run.totals.inserted)} rows, ${n(q.run.requests)} requests in ${s(q.run.ms)}; floor (requests ÷ 10/s) ${s(q.floorMs)} → **${x(d.quotaRatio!)}**; exact floor (the client's first 10 requests leave at once, the rest at 10/s) ${s(q.burstFloorMs)} → ${x(q.run.ms / Math.max(1, q.burstFloorMs))}; 429s received: **${q.run.served429}**.`,
      '',
    );
  }

  if (r.small && b) {
    L.push('## 6. Memory', '');
    L.push('| Rows | Peak RSS | After start-up | V8 heap peak |', '| --- | --- | --- | --- |');
    for (const [rows, run] of [[r.small.rows, r.small.run], [b.backfill.totals.inserted, b.backfill]] as const) {
      L.push(`| ${n(rows)} | ${run.maxRssMB.toFixed(0)} MB | ${run.startRssMB.toFixed(0)} MB | ${run.peakHeapUsedMB.toFixed(0)} MB |`);
    }
    L.push('', `Growth for 10× the rows: **${pct(d.rssGrowth!)}**. (Same ${b.profile.accountsPerUser} accounts and concurrency; only rows per account differ.)`, '');
  }

  if (r.latency) {
    const l = r.latency;
    const seq = l.sequentialSettings;
    const split = l.splitSettings;
    L.push('## 7. Latency-bound (200 ms per request, no quota)', '');
    L.push(
      `(a) One checking account, ~${n(l.perAccount)} transactions over 24 months, its whole history (as far as the market serves) behind 200 ms per request: the API's 12-month windows one at a time (\`CITI_WINDOW_DAYS=${seq.windowDays}\`, \`windowConcurrency: ${seq.windowConcurrency}\`) against ${split.windowDays}-day windows ${split.windowConcurrency} at a time. Asia-Pacific v1 pages a window (a year is dozens of requests in a row); US v2 answers a whole window at once (a year is one request), so there splitting only adds requests. The target is read on the paged dialect.`,
      '',
    );
    L.push('| Market | 12-month windows, one at a time | Requests | 30-day windows at once | Requests | Speed-up |', '| --- | --- | --- | --- | --- | --- |');
    for (const m of l.markets) {
      L.push(`| ${m.country} (${m.country === 'US' ? 'v2, unpaged' : 'v1, paged'}; ${m.historyMonths} months) | ${s(m.sequential.ms)} | ${n(m.sequential.requests)} | ${s(m.split.ms)} | ${n(m.split.requests)} | ${x(m.sequential.ms / m.split.ms)} |`);
    }
    L.push('', `Speed-up on the paged dialect **${x(d.latencyRatio!)}**.`, '');
  }
  if (r.fleet) {
    const f = r.fleet;
    L.push(
      `(b) ${f.connections} connections × 1 account, ${f.mode === 'worker' ? '`citi-sync worker` processes (BullMQ, concurrency 4 each, one shared Redis request gate)' : 'in-process `syncConnection` calls (4 at a time per process)'}:`,
      '',
    );
    if (f.fallbackReason) L.push(`Worker mode could not run: ${f.fallbackReason.split('\n')[0]}`, '');
    L.push('| Processes | Time | Connections/s | Failed | Requests |', '| --- | --- | --- | --- | --- |');
    for (const run of [f.one, f.two]) L.push(`| ${run.processes} | ${s(run.ms)} | ${run.connectionsPerSecond} | ${run.failed} | ${n(run.requests)} |`);
    L.push('', `Throughput ratio **${x(d.fleetRatio!)}**.`, '');
  }

  const cpuRows: Array<[string, PipelineRun]> = [];
  if (b) cpuRows.push(['1. backfill', b.backfill], ['3. no-change re-sync', b.noChange], ['4. re-sync after advance(1)', b.changed]);
  if (r.small) cpuRows.push([`6. small backfill (${n(r.small.rows)} rows)`, r.small.run]);
  if (r.small?.pglite) cpuRows.push([`6. the same on embedded PGlite`, r.small.pglite]);
  if (r.quota) cpuRows.push(['5. quota-bound', r.quota.run]);
  if (r.latency) cpuRows.push([`7a. latency, split windows (${r.latency.markets[0]!.country})`, r.latency.markets[0]!.split]);
  if (cpuRows.length) {
    L.push('## CPU per scenario', '');
    L.push(
      'CPU seconds by process: the engine (`process.cpuUsage` of the pipeline process), the Postgres backends it used (sum of `/proc/<pid>/stat` utime + stime of its pool\'s sessions, read at the end of the run; on PGlite Postgres runs inside the engine, so its CPU is in the engine column) and the simulator (`/proc/<pid>/stat`). Steadier than wall times on a shared machine.',
      '',
    );
    L.push('| Scenario | Wall | Rows written | Engine CPU | Postgres CPU (backends) | Simulator CPU | Total CPU per 1,000 rows fetched | Peak RSS |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, run] of cpuRows) {
      const engine = run.cpuUserMs + run.cpuSystemMs;
      const pgCpu = run.postgresCpuMs ?? 0;
      const sim = run.simulatorCpuMs ?? 0;
      const fetched = run.totals.inserted + run.totals.updated + run.totals.unchanged + run.totals.restored;
      L.push(
        `| ${name} | ${s(run.ms)} | ${n(run.totals.inserted + run.totals.updated + run.totals.restored)} | ${s(engine)} | ${run.postgresBackends ? `${s(pgCpu)} (${run.postgresBackends} backends)` : '—'} | ${s(sim)} | ${fetched ? `${((engine + pgCpu + sim) / (fetched / 1000)).toFixed(0)} ms` : '—'} | ${run.maxRssMB.toFixed(0)} MB |`,
      );
    }
    L.push('');
  }

  if (r.small?.pglite) {
    const pg = r.small.pglite;
    L.push('## Embedded PGlite beside the server', '');
    L.push(
      `The ${n(r.small.rows)}-row backfill of scenario 6 into a fresh embedded database (PGlite, what \`citi-sync sync\` uses without \`DATABASE_URL\`): ${s(pg.ms)} (server Postgres: ${s(r.small.run.ms)}), ${n(pg.totals.inserted)} rows stored, ${pg.totals.failedAccounts} failed accounts, peak RSS ${pg.maxRssMB.toFixed(0)} MB (server: ${r.small.run.maxRssMB.toFixed(0)} MB), CPU ${s(pg.cpuUserMs + pg.cpuSystemMs)} (Postgres included).`,
      '',
    );
  }

  if (r.demo) {
    const { pglite: dp, postgres: ds } = r.demo;
    L.push('## 8. `npx citi-sync demo`', '');
    L.push('A fresh process in a fresh directory, as a user runs it (the demo world: 8 accounts, a few thousand rows, the sandbox\'s 25 requests/s).', '');
    L.push('| Database | Wall time | Peak RSS | CPU |', '| --- | --- | --- | --- |');
    L.push(`| embedded PGlite (default), fresh data dir | ${s(dp.ms)} | ${dp.maxRssMB.toFixed(0)} MB | ${s(dp.cpuMs)} |`);
    L.push(`| server Postgres (\`DATABASE_URL\`), fresh database | ${s(ds.ms)} | ${ds.maxRssMB.toFixed(0)} MB | ${s(ds.cpuMs)} |`);
    L.push('');
  }

  if (r.lean) {
    const base = r.lean.runs[0]!;
    L.push('## 9. A lean row: what the raw payload costs', '');
    L.push(
      `The same ${n(r.lean.rows)} rows (${n(r.lean.pages)} pages) written through the engine's batch writer (COPY into the stage, one merge per 4,000 rows), one session, into a fresh database per variant (bench/scenarios/leanRow.ts).`,
      '',
    );
    L.push('| Payload kept | Write time | Postgres CPU | Engine encode | Payload text sent | Table + indexes + TOAST | vs as now (time / bytes) |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const v of r.lean.runs) {
      L.push(
        `| ${v.variant} | ${s(v.ms)} | ${s(v.postgresCpuMs)} | ${s(v.encodeMs)} | ${(v.payloadBytes / 1e6).toFixed(1)} MB | ${(v.bytes / 1e6).toFixed(1)} MB | ${pct(v.ms / base.ms)} / ${pct(v.bytes / base.bytes)} |`,
      );
    }
    L.push('');
  }

  if (r.small) {
    const pr = r.small.profile;
    L.push('## Profile of the backfill', '');
    L.push(
      `\`node --cpu-prof\` on the engine process during a ${n(r.small.profiled.totals.inserted)}-row backfill (the small world of scenario 6, run separately so the profiler does not touch the figures above): ${s(pr.busyMs)} on CPU out of ${s(pr.totalMs)}.`,
      '',
    );
    L.push('Self time by owner:', '', '| Owner | Self time | Share of CPU |', '| --- | --- | --- |');
    for (const o of pr.byOwner.slice(0, 12)) L.push(`| ${o.owner} | ${o.ms.toFixed(0)} ms | ${o.pct.toFixed(1)} % |`);
    L.push('', 'Top functions by self time:', '', '| Function | Where | Owner | Self time | Share |', '| --- | --- | --- | --- | --- |');
    for (const t of pr.top) L.push(`| \`${t.fn}\` | ${t.where.replace(/\.ts:\d+$/, '.ts') || '—'} | ${t.owner} | ${t.ms.toFixed(0)} ms | ${t.pct.toFixed(1)} % |`);
    L.push('');
  }
  if (notes) L.push(notes.trim(), '');
  return `${L.join('\n')}\n`;
}
