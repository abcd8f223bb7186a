/**
 * The report's reading of the figures: what in our code costs, with the evidence from this run
 * (profile, I/O trace, request counts), so it stays true whenever the bench is run again.
 */
import { DEFAULT_SETTINGS } from './context.ts';
import { derived, type AllResults } from './report.ts';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const pc = (a: number, b: number) => `${b > 0 ? ((100 * a) / b).toFixed(0) : '0'} %`;

export function analysis(r: AllResults): string {
  const L: string[] = ['## What costs, and what to change in the engine', ''];
  const d = derived(r);
  const b = r.backfill;
  const small = r.small;

  L.push(
    '**Fixed during this work (src/sync/sql/transactions.ts, `linkPostedToPendings`).** Every window close ran an UPDATE joining an account\'s posted rows to its removed pendings. ' +
      'On a table growing faster than autovacuum analyzes it (every first backfill) the planner expected one row per side and picked a nested loop whose inner index scan had only `(connection_id, account_id)` as its condition ' +
      '(`auto_explain`: `Index Scan using transactions_authorization_code_idx … Index Cond: (connection_id, account_id)`, `Join Filter: (p.authorization_code = pend.authorization_code)`): ' +
      'O(rows²) per account, 8–25 s per call at 10,000 rows per account, with every backend on CPU and no wait event, so the 1M backfill would not finish in 30 minutes. ' +
      'It now reads the removed pendings\' codes first (none during a backfill: no UPDATE at all) and gives both sides `authorization_code = ANY($4)`; the rows it updates are the same. ' +
      'A 4-account × 10,000-row backfill went from minutes to 11 s. It now also runs once per account, after its last window, not once per window.',
    '',
  );

  const io = small?.profiled.io;
  if (io && small) {
    const get = (prefix: string) => io.find((i) => i.what.startsWith(prefix));
    const merge = get('sql: merge batch');
    const copy = get('sql: COPY batch');
    const commit = get('db: pool wait');
    const http = get('http: /v1/accounts/:id/transactions');
    const stmtIns = get('sql: INSERT INTO citi_sync.statements');
    L.push(`**Where the engine waits** (I/O trace of the profiled ${n(small.profiled.totals.inserted)}-row run; times overlap across the 16 window walks, so read them as shares):`, '');
    L.push('| Wait | Calls | Total | Per call |', '| --- | --- | --- | --- |');
    for (const i of io.slice(0, 10)) L.push(`| ${i.what.replace(/\|/g, '\\|')} | ${n(i.count)} | ${n(i.ms)} ms | ${(i.ms / i.count).toFixed(1)} ms |`);
    L.push('');
    if (merge && copy) {
      L.push(
        `- The write path (issue 13): the window walks hand their pages to one writer per account through a bounded queue (src/sync/pageQueue.ts); the writer commits a batch of up to 2,000 rows per transaction: COPY into a session-local stage (${n(copy.count)} COPYs, ${(copy.ms / copy.count).toFixed(1)} ms each), one set-based merge (${(merge.ms / merge.count).toFixed(1)} ms each)${commit ? `, ${(commit.ms / commit.count).toFixed(1)} ms per transaction for the rest (pool wait, BEGIN, checkpoints, window closes, COMMIT)` : ''}, against ${http ? (http.ms / http.count).toFixed(1) : '?'} ms per HTTP page, fetched meanwhile. ` +
          'Each row is encoded once, as a COPY text line (src/sync/copyRows.ts). The merge counts restored rows through a partial index on removed rows (`transactions_removed_idx`): without it, that count read every row of the account for every batch (EXPLAIN ANALYZE at 96,000 rows: 370 of the merge\'s 780 ms).',
      );
    }
    if (stmtIns) L.push(`- Statements are inserted one by one outside any batch (${n(stmtIns.count)} INSERTs at ${(stmtIns.ms / stmtIns.count).toFixed(1)} ms).`);
    L.push('');
  }

  if (b) {
    const routes = b.backfill.byRoute;
    const details = routes['GET /v1/accounts/:id/statements/:statementId'] ?? 0;
    const tx = routes['GET /v1/accounts/:id/transactions'] ?? 0;
    L.push(
      `**Statement requests.** The backfill made ${n(details)} statement-detail requests next to ${n(tx)} transaction pages (${pc(details, b.backfill.requests)} of all requests). ` +
        'Since the first profile, `syncStatements` fetches only the summary page of each new statement (`statement(…, { transactions: false })`): its transactions are the account\'s own, already synced.',
      '',
    );
    if (d.naiveRowsPerSecond) {
      L.push(
        `**The naive figure is the least stable one.** One autocommitted statement per row means one WAL flush per row, so its rate is this disk's commit latency (${(1000 / d.naiveRowsPerSecond).toFixed(2)} ms per row in this run), which moves with whatever else the shared machine writes: on 2026-11-25, two full runs 17 minutes apart measured 650 and 1,506 rows/s (naive/pipeline 12.5× and 4.8×). The engine's own rate moved far less (124 s and 139 s for the backfill).`,
        '',
      );
    }
    if (d.pipelineOverFloor !== undefined) {
      const bf = b.backfill;
      const engine = bf.cpuUserMs + bf.cpuSystemMs;
      const pgCpu = bf.postgresCpuMs ?? 0;
      const sim = bf.simulatorCpuMs ?? 0;
      L.push(
        `**Against the floors.** Sequential floor (API floor with one request in flight + COPY of the full rows) ${(d.floorMs! / 1000).toFixed(1)} s: the engine ${(bf.ms / 1000).toFixed(1)} s (${d.pipelineOverFloor.toFixed(2)}×)` +
          (d.pipelineOverCoreFloor !== undefined ? `; the issue's floor (4 accounts fetched at once + COPY of 8 core columns) ${(d.coreFloorMs! / 1000).toFixed(1)} s (${d.pipelineOverCoreFloor.toFixed(2)}×)` : '') +
          `. CPU during the backfill: engine ${(engine / 1000).toFixed(1)} s, Postgres backends ${(pgCpu / 1000).toFixed(1)} s (${bf.totals.inserted ? ((1000 * pgCpu) / bf.totals.inserted).toFixed(0) : '?'} µs a row), simulator ${(sim / 1000).toFixed(1)} s: ${((engine + pgCpu + sim) / 1000).toFixed(1)} CPU-s on ${r.machine.cpus} cores over ${(bf.ms / 1000).toFixed(1)} s of wall time. ` +
          `Where the CPU-s are well below cores × wall time, the run waited on something else: on a shared machine (load average ${r.machine.loadStart.toFixed(1)}–${r.machine.loadEnd.toFixed(1)} here), other processes' CPU.`,
        '',
      );
    }
  }

  if (r.lean) {
    const [now, unmapped, perPage, none] = r.lean.runs;
    if (now && unmapped && perPage && none) {
      const d2 = (a: number, b0: number) => `${a <= b0 ? '−' : '+'}${Math.abs(100 - (100 * a) / b0).toFixed(0)} %`;
      L.push(
        `**A lean row (section 9): the payload is kept as now.** Against the whole payload, keeping only the unmapped fields changed Postgres CPU by ${d2(unmapped.postgresCpuMs, now.postgresCpuMs)} and the stored bytes by ${d2(unmapped.bytes, now.bytes)}; payloads per page, compressed, changed CPU by ${d2(perPage.postgresCpuMs, now.postgresCpuMs)} and bytes by ${d2(perPage.bytes, now.bytes)}; no payload at all (the bound) ${d2(none.postgresCpuMs, now.postgresCpuMs)} CPU. ` +
          'The write path\'s cost is in the heap and index writes, not the payload (the bound above), while dropping fields from `raw` would make every reader (and every Citi dialect) depend on a function that puts them back. Disk is what a leaner payload would buy; "unmapped only" is the variant to take if it matters (a `citi_sync.transaction_payload(t)` function reassembling the whole row, and the exactness checks reading through it).',
        '',
      );
    }
  }

  if (b) {
    const c = b.changed;
    const rewrites = c.writes.updated - c.totals.updated - c.totals.removed - c.totals.restored;
    L.push('**Re-syncs.**', '');
    L.push(
      `- Scenario 4 asks for 1 % of the synced range changed; the simulator's smallest change is \`advance(1)\`, one simulated day, which here changed ${c.expected.added + c.expected.removed + c.expected.changed} of ${n(c.rowsInLookback)} rows (${(100 * d.changedShare!).toFixed(1)} %). ` +
        'Getting exactly 1 % needs a simulator knob (for the owner of src/sandbox: e.g. `POST /__sandbox/mutate {"fraction": 0.01, "sinceDays": 14}` correcting that share of posted rows in place, or `advance(days, { accounts })`). The check that matters holds at any size: every expected change is in the database, and the engine\'s inserted/removed/updated counts equal the truth\'s.',
    );
    if (rewrites > 0) {
      L.push(
        `- pg_stat counts ${n(c.writes.updated)} row updates where the engine reports ${n(c.totals.updated)} updated + ${n(c.totals.removed)} removed: the other ${n(rewrites)} are, by elimination (it is the only other UPDATE of transactions), \`linkPostedToPendings\` setting \`replaces_transaction_id\` on posted rows inserted moments earlier in the same run, i.e. a second row version for most new posted card rows. Setting the link in the upsert (look the removed pending up by authorization code while inserting) would write each new row once.`,
      );
    }
    if (c.olderChanges.changed > 0) {
      L.push(
        `- ${c.olderChanges.changed} in-place correction(s) landed on rows dated before the synced range, and ${c.olderMissed} stayed wrong in the database. The contract allows corrections within 30 days of posting; the everyday lookback is ${DEFAULT_SETTINGS.lookbackDays} days, and the first sync of each day looks back ${DEFAULT_SETTINGS.correctionDays ?? 0} days (\`CITI_CORRECTION_DAYS\`) to catch them.`,
      );
    }
    L.push('');
  }

  if (r.fleet && d.fleetRatio! < 1.8) {
    L.push(
      `**Two workers.** The fleet is latency-bound (each connection is a token refresh, an account list and one page per window, every one 200 ms away), so a second worker with the same concurrency should double throughput; it reached ${d.fleetRatio!.toFixed(2)}×. ` +
        `Both workers, the simulator, Redis and Postgres share ${r.machine.cpus} cores (load average ${r.machine.loadStart.toFixed(1)}–${r.machine.loadEnd.toFixed(1)} during this run), so CPU, not the queue, is the likely limit here; compare with a run on an idle machine before acting.`,
      '',
    );
  }

  if (small) {
    const ours = small.profile.top.filter((t) => t.owner.startsWith('ours'));
    const zod = small.profile.byOwner.find((o) => o.owner === 'zod');
    const native = small.profile.top.filter((t) => ['writev', 'writeLatin1String', 'writeBuffer', 'writeUtf8String'].includes(t.fn));
    L.push('**CPU (profile above).**', '');
    if (ours.length) {
      L.push(`- Our hottest functions: ${ours.slice(0, 6).map((t) => `\`${t.fn}\` (${t.where.replace(/\.ts:\d+$/, '.ts')}, ${t.pct.toFixed(1)} %)`).join(', ')}.`);
    }
    if (ours.some((t) => t.fn === 'stripNulDeep')) {
      L.push(
        '  `stripNulDeep` (src/citi/text.ts) walks and copies every parsed row to remove NUL characters, and `cleanJson`/`cleanText` (src/sync/sanitize.ts) do it again before the write. Both exist for what can only arrive as JSON escapes (`\\u0000`, and `\\uD800`–`\\uDFFF` for lone surrogates): checking the body text once for those escapes (almost always absent) and skipping both walks when it is clean removes that cost.',
      );
    }
    if (zod) L.push(`- zod validation of every row: ${zod.pct.toFixed(1)} % of CPU. Transaction rows are checked by hand first (src/citi/transactionShape.ts); zod runs only where that check is unsure, and for the other responses.`);
    if (native.length) {
      const share = native.reduce((s, t) => s + t.pct, 0);
      L.push(
        `- Writing to sockets (${native.map((t) => `\`${t.fn}\``).join(', ')}): ${share.toFixed(1)} %. Rows now reach Postgres once, as COPY text (each value once per column, plus the raw payload); what is left here is mostly the HTTP side's.`,
      );
    }
    L.push('');
  }
  return L.join('\n');
}
