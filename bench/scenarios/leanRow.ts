/**
 * Issue 13 §3, a lean row: what the duplicated raw payload costs the write path, measured on the
 * same rows written four ways through the engine's own batch writer (COPY into the stage, one merge
 * per batch of 4,000), each into a fresh migrated database, one session, one batch after another:
 * - as now: the whole payload in `raw`;
 * - unmapped only: `raw` keeps only the fields whose value is not already a column's value (a view
 *   or function would put the others back from the columns);
 * - per page: `raw` empty on the row, the page's payloads as one jsonb array in a side table
 *   (big enough for Postgres to TOAST-compress it);
 * - none: `raw` empty (the lower bound: what the payload costs at all).
 */
import { randomBytes } from 'node:crypto';
import { CitiClient, TokenBucketGate, splitWindows, type AccessTokenProvider, type CitiTransaction } from '../../src/citi/index.ts';
import type { Queryable } from '../../src/db/database.ts';
import { copyText, rawJson } from '../../src/sync/copyRows.ts';
import { syncRange } from '../../src/sync/plan.ts';
import { writeTransactionBatch } from '../../src/sync/sql/transactions.ts';
import { DEFAULT_SETTINGS, UNLIMITED_RATE, type BenchContext } from '../lib/context.ts';
import { createBenchDatabase } from '../lib/db.ts';
import { processCpuMs } from '../lib/procCpu.ts';
import { startSandboxProcess } from '../lib/sandbox.ts';

export type LeanVariant = 'as now' | 'unmapped only' | 'per page' | 'none';

export interface LeanRun {
  variant: LeanVariant;
  rows: number;
  /** Wall time of every batch's transaction (COPY + merge + commit). */
  ms: number;
  /** CPU of the Postgres backend that wrote them (/proc). */
  postgresCpuMs: number;
  /** Engine-side: building the payload text of every row (JSON.stringify and the variant's work). */
  encodeMs: number;
  /** pg_total_relation_size of transactions (+ the page table), after the writes. */
  bytes: number;
  /** Bytes of payload text sent. */
  payloadBytes: number;
}

export interface LeanRowResults {
  rows: number;
  pages: number;
  runs: LeanRun[];
}

const BATCH_ROWS = 4_000;

/** The payload's fields whose value a column already holds as the same string. */
function unmapped(t: CitiTransaction): Record<string, unknown> {
  const columns = new Set(
    [t.transactionId, t.statusRaw, t.transactionDate, t.postingDate, t.amount, t.currencyCode, t.description, t.descriptionExtension, t.merchantName, t.merchantCategoryCode, t.transactionType, t.debitCreditMemo, t.checkNumber, t.foreignAmount, t.foreignCurrencyCode, t.foreignExchangeRate, t.authorizationCode].filter((v): v is string => v !== null),
  );
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t.raw)) if (!(typeof v === 'string' && columns.has(v))) out[k] = v;
  return out;
}

async function fetchPages(ctx: BenchContext, accounts: number, perAccount: number): Promise<CitiTransaction[][]> {
  const sb = await startSandboxProcess({ seed: 3, today: ctx.today, rateLimit: false, autoConsent: true, profile: { users: 1, accountsPerUser: accounts, transactionsPerAccount: perAccount } });
  const client = new CitiClient({ baseUrl: sb.url, clientId: sb.clientId, clientSecret: sb.clientSecret, gate: new TokenBucketGate({ perSecond: UNLIMITED_RATE, burst: UNLIMITED_RATE }) });
  try {
    const token = (await sb.issueTokens(sb.users[0]!.userId)).access_token;
    const tokens: AccessTokenProvider = { accessToken: async () => token, refreshAfterUnauthorized: async () => token };
    const range = syncRange({ today: sb.today, watermark: null, full: true, historyMonths: DEFAULT_SETTINGS.historyMonths, lookbackDays: 0 });
    const pages: CitiTransaction[][] = [];
    for (const a of (await client.listAccounts(tokens)).accounts) {
      for (const w of splitWindows(range.from, range.to, a.accountType)) {
        for await (const page of client.transactionPages(tokens, a, w.from, w.to)) if (page.rows.length) pages.push(page.rows);
      }
    }
    return pages;
  } finally {
    await client.close();
    await sb.close();
  }
}

async function writeVariant(ctx: BenchContext, variant: LeanVariant, pages: CitiTransaction[][]): Promise<LeanRun> {
  const bench = await createBenchDatabase(ctx.adminUrl, 'lean');
  try {
    await bench.db.query(`INSERT INTO citi_sync.connections (id) VALUES ('lean')`);
    if (variant === 'per page') await bench.db.query(`CREATE TABLE citi_sync.transaction_pages (page_id text PRIMARY KEY, raw jsonb NOT NULL)`);
    const run: LeanRun = { variant, rows: 0, ms: 0, postgresCpuMs: 0, encodeMs: 0, bytes: 0, payloadBytes: 0 };
    let pid = 0;
    let cpu0 = 0;
    const batches: CitiTransaction[][][] = [[]];
    let inBatch = 0;
    for (const p of pages) {
      if (inBatch + p.length > BATCH_ROWS && inBatch > 0) {
        batches.push([]);
        inBatch = 0;
      }
      batches.at(-1)!.push(p);
      inBatch += p.length;
    }
    for (const [b, batch] of batches.entries()) {
      const e0 = performance.now();
      const rows = new Map<string, CitiTransaction>();
      let pageText = '';
      for (const [i, page] of batch.entries()) {
        for (const t of page) {
          const raw = variant === 'as now' ? t.raw : variant === 'unmapped only' ? unmapped(t) : {};
          rows.set(t.transactionId, raw === t.raw ? t : { ...t, raw });
          if (variant !== 'per page') run.payloadBytes += raw === t.raw || variant === 'unmapped only' ? rawJson(raw).length : 2;
        }
        if (variant === 'per page') {
          const json = rawJson(page.map((t) => t.raw) as unknown as Record<string, unknown>);
          run.payloadBytes += json.length;
          pageText += `${b}-${i}\t${copyText(json)}\n`;
        }
      }
      run.encodeMs += performance.now() - e0;
      const t0 = performance.now();
      await bench.db.transaction(async (tx: Queryable) => {
        if (pid === 0) {
          pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          cpu0 = processCpuMs(pid);
        }
        await writeTransactionBatch(tx, 'lean', 'a1', rows);
        if (pageText) await tx.copyFrom!(`COPY citi_sync.transaction_pages (page_id, raw) FROM STDIN`, pageText);
      });
      run.ms += performance.now() - t0;
      run.rows += rows.size;
    }
    run.postgresCpuMs = processCpuMs(pid) - cpu0;
    const { rows } = await bench.db.query<{ bytes: string }>(
      `SELECT (pg_total_relation_size('citi_sync.transactions') + coalesce(pg_total_relation_size(to_regclass('citi_sync.transaction_pages')), 0))::text AS bytes`,
    );
    run.bytes = Number(rows[0]!.bytes);
    return run;
  } finally {
    await bench.drop();
  }
}

export async function runLeanRowScenario(ctx: BenchContext): Promise<LeanRowResults> {
  const { accounts, perAccount } = ctx.quick ? { accounts: 4, perAccount: 500 } : { accounts: 20, perAccount: 5_000 };
  ctx.log(`9. lean row: ${accounts} accounts × ${perAccount} rows written four ways`);
  const pages = await fetchPages(ctx, accounts, perAccount);
  // Ids are unique per account only: the measurement writes every row under one account, so make them unique.
  const salt = randomBytes(2).toString('hex');
  const unique = pages.map((p, i) => p.map((t, j) => ({ ...t, transactionId: `${salt}-${i}-${j}` })));
  const runs: LeanRun[] = [];
  for (const variant of ['as now', 'unmapped only', 'per page', 'none'] as const) runs.push(await writeVariant(ctx, variant, unique));
  return { rows: runs[0]!.rows, pages: pages.length, runs };
}
