/**
 * The report's reading of the figures: what in our code costs, with the evidence from this run
 * (profile, I/O trace, request counts), so it stays true whenever the bench is run again.
 */
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
      'A 4-account × 10,000-row backfill went from minutes to 11 s. Still for the lead: it runs once per window with `since = w.from`, so a card account (9 windows) links 9 times; once per account, after the last window, would do.',
    '',
  );

  const io = small?.profiled.io;
  if (io && small) {
    const get = (prefix: string) => io.find((i) => i.what.startsWith(prefix));
    const upsert = get('sql: upsert page');
    const commit = get('db: pool wait');
    const cursor = get('sql: UPDATE citi_sync.sync_windows SET cursor');
    const http = get('http: /v1/accounts/:id/transactions');
    const stmtIns = get('sql: INSERT INTO citi_sync.statements');
    L.push(`**Where the engine waits** (I/O trace of the profiled ${n(small.profiled.totals.inserted)}-row run; times overlap across the 16 window walks, so read them as shares):`, '');
    L.push('| Wait | Calls | Total | Per call |', '| --- | --- | --- | --- |');
    for (const i of io.slice(0, 10)) L.push(`| ${i.what.replace(/\|/g, '\\|')} | ${n(i.count)} | ${n(i.ms)} ms | ${(i.ms / i.count).toFixed(1)} ms |`);
    L.push('');
    if (upsert && commit) {
      L.push(
        `- Per page the engine spends ${(upsert.ms / upsert.count).toFixed(1)} ms in the set-based upsert, ${cursor ? (cursor.ms / cursor.count).toFixed(1) : '?'} ms saving the cursor and ${(commit.ms / commit.count).toFixed(1)} ms getting a pooled connection plus BEGIN/COMMIT, against ${http ? (http.ms / http.count).toFixed(1) : '?'} ms for the HTTP request. ` +
          'The pool has 10 connections (`openDatabase` default) for 4 × 4 = 16 concurrent window walks, so walks queue for a connection; and each page is its own transaction (one WAL flush per 50 rows). ' +
          'Suggestions: size the pool to `accountConcurrency × windowConcurrency + 2` in `syncDeps`/`openApp`; fold `saveCursor` into the upsert statement (one round trip per page instead of four: BEGIN, upsert, cursor, COMMIT).',
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
      `**Statement pages fetched and thrown away.** The backfill made ${n(details)} statement-detail requests next to ${n(tx)} transaction pages (${pc(details, b.backfill.requests)} of all requests). ` +
        '`CitiClient.statement` follows every page of a statement\'s transactions, but `syncStatements` stores only the summary (`s.transactions` is never read). ' +
        'Fetching only the first page (the summary is on every page) would cut those to one request per statement, which matters most under the 10/s quota.',
      '',
    );
    if (d.pipelineOverFloor !== undefined) {
      L.push(
        `**Against the floor.** The API floor (JSON.parse only) and COPY together take ${(d.floorMs! / 1000).toFixed(1)} s; the engine ${(b.backfill.ms / 1000).toFixed(1)} s (${d.pipelineOverFloor.toFixed(2)}×). ` +
          `The engine's own CPU was ${((b.backfill.cpuUserMs + b.backfill.cpuSystemMs) / 1000).toFixed(1)} s (${pc(b.backfill.cpuUserMs + b.backfill.cpuSystemMs, b.backfill.ms)} of one core): it mostly waits, on Postgres (above) and on the simulator, which shares the 2 cores with Postgres and the engine.`,
        '',
      );
    }
  }

  if (small) {
    const ours = small.profile.top.filter((t) => t.owner.startsWith('ours'));
    const zod = small.profile.byOwner.find((o) => o.owner === 'zod');
    const native = small.profile.top.filter((t) => ['writev', 'writeLatin1String', 'writeBuffer', 'writeUtf8String'].includes(t.fn));
    L.push('**CPU (profile above).**', '');
    if (ours.length) {
      L.push(`- Our hottest functions: ${ours.slice(0, 6).map((t) => `\`${t.fn}\` (${t.where}, ${t.pct.toFixed(1)} %)`).join(', ')}.`);
    }
    if (ours.some((t) => t.fn === 'stripNulDeep')) {
      L.push(
        '  `stripNulDeep` (src/citi/text.ts) walks and copies every parsed row to remove NUL characters, and `cleanJson`/`cleanText` (src/sync/sanitize.ts) do it again before the write. Checking the raw body once (`body.includes("\\u0000")`, which is almost always false) and skipping both walks when it is clean removes that cost.',
      );
    }
    if (zod) L.push(`- zod validation of every row: ${zod.pct.toFixed(1)} % of CPU. A hand-written check of the few fields the mapper reads would do the same job for transaction rows.`);
    if (native.length) {
      const share = native.reduce((s, t) => s + t.pct, 0);
      L.push(
        `- Writing to sockets (${native.map((t) => `\`${t.fn}\``).join(', ')}): ${share.toFixed(1)} %. Each page goes to Postgres as one JSON parameter carrying every column **and** the raw payload, i.e. each value twice; sending \`raw\` once and deriving the columns from it in SQL (or dropping the copies from \`raw\`) would roughly halve the bytes per page.`,
      );
    }
    L.push('');
  }
  return L.join('\n');
}
