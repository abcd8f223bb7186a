/**
 * Scenarios 1–4 on one simulated world (they build on each other: a re-sync needs the backfill):
 * 1 backfill, 2 floors and the naive writer on the same rows, 3 no-change re-sync, 4 re-sync after
 * the world moved on a day. The floors and the naive writer each get their own fresh database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CitiClient, TokenBucketGate, dialectFor, splitWindows, type AccessTokenProvider } from '../../src/citi/index.ts';
import { syncRange } from '../../src/sync/plan.ts';
import { toRecord } from '../../src/sync/sql/transactions.ts';
import type { Database } from '../../src/db/database.ts';
import type { PipelineReport } from '../pipeline.ts';
import { apiFloor, type ApiFloorResult } from '../lib/apiFloor.ts';
import { connectUsers } from '../lib/connections.ts';
import { DEFAULT_SETTINGS, UNLIMITED_RATE, pipelineJob, type BenchContext } from '../lib/context.ts';
import { createBenchDatabase, currentXid, rowsWrittenSince, transactionWrites, writesBetween, type TableWrites } from '../lib/db.ts';
import { copyFloor, coreCopyFloor, exportCoreRows, exportRows, naiveInsert } from '../lib/dbFloor.ts';
import { runPipeline } from '../lib/proc.ts';
import { processCpuMs } from '../lib/procCpu.ts';
import { startSandboxProcess, type SandboxProcess } from '../lib/sandbox.ts';
import type { DigestEntry } from '../lib/truthDigest.ts';

export type PipelineRun = PipelineReport & {
  wallMs: number;
  requests: number;
  byRoute: Record<string, number>;
  served429: number;
  /** CPU the simulator process used during the run (/proc). */
  simulatorCpuMs: number;
};

export interface BackfillResults {
  profile: { users: number; accountsPerUser: number; transactionsPerAccount: number };
  rowsInWorld: number;
  backfill: PipelineRun & { rowsStored: number; mismatchedAccounts: number };
  apiFloorSequential: ApiFloorResult;
  apiFloorConcurrent: ApiFloorResult & { concurrency: number };
  /** The issue's floor, fetch side: 4 accounts in flight, each account's windows one after another. */
  apiFloorAccounts?: ApiFloorResult & { accountsInFlight: number };
  copyFloor: { ms: number; rows: number };
  /** The issue's floor, database side: COPY of the 8 core columns into a table keyed on (account, id). */
  coreCopyFloor?: { ms: number; rows: number };
  naive: { ms: number; rows: number; accounts: number };
  noChange: PipelineRun & { writes: TableWrites; xminRows: number };
  changed: PipelineRun & {
    writes: TableWrites;
    rowsInLookback: number;
    expected: { added: number; removed: number; changed: number };
    olderChanges: { added: number; removed: number; changed: number };
    /** Expected changes inside the synced range the database does not reflect. */
    missed: number;
    /** Changes to rows older than the synced range that the database does not reflect. */
    olderMissed: number;
  };
}

export async function sandboxRun(sb: SandboxProcess, run: () => Promise<PipelineReport & { wallMs: number }>): Promise<PipelineRun> {
  await sb.resetStats();
  const cpu0 = processCpuMs(sb.pid);
  const r = await run();
  const simulatorCpuMs = processCpuMs(sb.pid) - cpu0;
  const s = await sb.stats();
  return { ...r, requests: s.requests, byRoute: s.byRoute, served429: s.served429, simulatorCpuMs };
}

/** Per account: live rows and the sum of |amount| in cents, as stored. */
async function storedTotals(db: Database): Promise<Map<string, { rows: number; cents: number }>> {
  const { rows } = await db.query<{ account_id: string; n: number; cents: string }>(
    `SELECT account_id, count(*)::int AS n, sum(round(abs(amount) * 100))::text AS cents
       FROM citi_sync.transactions WHERE removed_at IS NULL GROUP BY account_id`,
  );
  return new Map(rows.map((r) => [r.account_id, { rows: r.n, cents: Number(r.cents) }]));
}

/** Expected changes that the database does not show (wrong status or amount, missing, not removed). */
async function unmatched(db: Database, entries: DigestEntry[], removed: boolean): Promise<number> {
  if (entries.length === 0) return 0;
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM jsonb_to_recordset($1::jsonb) AS e(a text, t text, s text, c bigint)
       LEFT JOIN citi_sync.transactions x ON x.account_id = e.a AND x.transaction_id = e.t
      WHERE ${removed ? 'x.removed_at IS NULL' : 'x.transaction_id IS NULL OR x.removed_at IS NOT NULL OR x.status <> e.s OR round(abs(x.amount) * 100) <> e.c'}`,
    [JSON.stringify(entries.map((e) => ({ a: e.accountId, t: e.transactionId, s: e.status, c: e.cents })))],
  );
  return rows[0]!.n;
}

/** The windows the engine plans in the bench's market (US): CITI_WINDOW_DAYS unset, so the dialect's default. */
const ENGINE_WINDOW_DAYS = DEFAULT_SETTINGS.windowDays ?? dialectFor('US').defaultWindowDays;

/** The naive writer's input: the same windows as the engine, fetched one page after another. */
async function* naivePages(sb: SandboxProcess, token: string): AsyncGenerator<{ accountId: string; rows: Array<Record<string, unknown>> }> {
  const client = new CitiClient({ baseUrl: sb.url, clientId: sb.clientId, clientSecret: sb.clientSecret, gate: new TokenBucketGate({ perSecond: UNLIMITED_RATE, burst: UNLIMITED_RATE }) });
  const tokens: AccessTokenProvider = { accessToken: async () => token, refreshAfterUnauthorized: async () => token };
  try {
    const range = syncRange({ today: sb.today, watermark: null, full: true, historyMonths: DEFAULT_SETTINGS.historyMonths, lookbackDays: 0 });
    for (const a of (await client.listAccounts(tokens)).accounts) {
      for (const w of splitWindows(range.from, range.to, a.accountType, { windowDays: ENGINE_WINDOW_DAYS }).reverse()) {
        for await (const page of client.transactionPages(tokens, a, w.from, w.to)) {
          yield { accountId: a.accountId, rows: page.rows.map(toRecord) };
        }
      }
    }
  } finally {
    await client.close();
  }
}

export async function runBackfillScenarios(ctx: BenchContext): Promise<BackfillResults> {
  const { accounts, perAccount } = ctx.sizes.backfill;
  const profile = { users: 1, accountsPerUser: accounts, transactionsPerAccount: perAccount };
  ctx.log(`backfill world: ${accounts} accounts × ${perAccount} transactions`);
  const sb = await startSandboxProcess({ seed: 1, today: ctx.today, rateLimit: false, autoConsent: true, profile });
  const main = await createBenchDatabase(ctx.adminUrl, 'backfill');
  const scratch = mkdtempSync(join(ctx.scratch, 'rows-'));
  try {
    const historyStart = syncRange({ today: sb.today, watermark: null, full: true, historyMonths: DEFAULT_SETTINGS.historyMonths, lookbackDays: 0 }).from;
    const truth = await sb.totals(historyStart);
    const conn = await connectUsers(main.db, sb);
    const job = pipelineJob(sb, main.url, conn);

    ctx.log('1. backfill');
    const run = await sandboxRun(sb, () => runPipeline(job));
    const stored = await storedTotals(main.db);
    let mismatchedAccounts = 0;
    for (const [id, t] of Object.entries(truth.perAccount)) {
      const s = stored.get(id);
      if (!s || s.rows !== t.rows || s.cents !== t.cents) mismatchedAccounts += 1;
    }
    const rowsStored = [...stored.values()].reduce((n, s) => n + s.rows, 0);
    ctx.log(`   ${run.totals.inserted} rows in ${(run.ms / 1000).toFixed(1)} s, ${run.requests} requests, peak RSS ${run.maxRssMB.toFixed(0)} MB`);

    ctx.log('2. API floor (sequential, then concurrent)');
    const token = (await sb.issueTokens(sb.users[0]!.userId)).access_token;
    // The same pages as the engine: its window plan (the US default quarters, not the API's year).
    const floorInput = { baseUrl: sb.url, clientId: sb.clientId, accessToken: token, today: sb.today, historyMonths: DEFAULT_SETTINGS.historyMonths, windowDays: ENGINE_WINDOW_DAYS };
    const apiFloorSequential = await apiFloor({ ...floorInput, concurrency: 1 });
    const concurrency = DEFAULT_SETTINGS.accountConcurrency * DEFAULT_SETTINGS.windowConcurrency;
    const apiFloorConcurrent = { ...(await apiFloor({ ...floorInput, concurrency })), concurrency };
    const accountsInFlight = DEFAULT_SETTINGS.accountConcurrency;
    const apiFloorAccounts = { ...(await apiFloor({ ...floorInput, concurrency: 1, accountsInFlight })), accountsInFlight };

    ctx.log('2. DB floor (COPY) and naive writer');
    await exportRows(main.url, scratch);
    const copyDb = await createBenchDatabase(ctx.adminUrl, 'copy');
    const copy = await copyFloor(copyDb.url, scratch).finally(() => copyDb.drop());
    await exportCoreRows(main.url, scratch);
    const coreDb = await createBenchDatabase(ctx.adminUrl, 'core', { migrated: false });
    const coreCopy = await coreCopyFloor(coreDb.url, scratch).finally(() => coreDb.drop());
    const naiveDb = await createBenchDatabase(ctx.adminUrl, 'naive');
    const naive = await naiveInsert({
      targetUrl: naiveDb.url,
      dir: scratch,
      connectionId: conn.connectionIds[0]!,
      rowLimit: ctx.sizes.naiveRows,
      pages: () => naivePages(sb, token),
    }).finally(() => naiveDb.drop());

    ctx.log('3. no-change re-sync');
    const before3 = await transactionWrites(main.db);
    const xid = await currentXid(main.db);
    const run3 = await sandboxRun(sb, () => runPipeline(job));
    const writes3 = writesBetween(before3, await transactionWrites(main.db));
    const xminRows = await rowsWrittenSince(main.db, xid);

    ctx.log('4. re-sync after advance(1)');
    const watermark = sb.today;
    await sb.snapshot();
    const today = await sb.advance(1);
    // The first sync of a new day looks back correctionDays (the engine's syncRange, src/sync/plan.ts).
    const from = syncRange({ today, watermark, full: false, historyMonths: DEFAULT_SETTINGS.historyMonths, lookbackDays: DEFAULT_SETTINGS.lookbackDays, correctionDays: DEFAULT_SETTINGS.correctionDays }).from;
    const diff = await sb.diff(from);
    const before4 = await transactionWrites(main.db);
    const run4 = await sandboxRun(sb, () => runPipeline({ ...job, today }));
    const writes4 = writesBetween(before4, await transactionWrites(main.db));
    const missed =
      (await unmatched(main.db, [...diff.inRange.added, ...diff.inRange.changed], false)) + (await unmatched(main.db, diff.inRange.removed, true));
    const olderMissed = await unmatched(main.db, diff.older.changedRows, false);

    return {
      profile,
      rowsInWorld: truth.rows,
      backfill: { ...run, rowsStored, mismatchedAccounts },
      apiFloorSequential,
      apiFloorConcurrent,
      apiFloorAccounts,
      copyFloor: copy,
      coreCopyFloor: coreCopy,
      naive,
      noChange: { ...run3, writes: writes3, xminRows },
      changed: {
        ...run4,
        writes: writes4,
        rowsInLookback: diff.rowsInRange,
        expected: { added: diff.inRange.added.length, removed: diff.inRange.removed.length, changed: diff.inRange.changed.length },
        olderChanges: { added: diff.older.added, removed: diff.older.removed, changed: diff.older.changed },
        missed,
        olderMissed,
      },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await main.drop();
    await sb.close();
  }
}
