/**
 * Scenario 7a: one checking account's backfill behind 200 ms of latency per request, the API's
 * 12-month windows walked one after another vs 30-day windows walked at once, in both of Citi's
 * dialects. They differ where it matters here: Asia-Pacific v1 pages a window (so a year's window is
 * dozens of requests in a row, and splitting it lets them run side by side), while US v2 answers a
 * whole window in one response (a year is one request; splitting it only adds requests). The target
 * is read on the paged dialect; the US figures are shown beside it.
 */
import { dialectFor } from '../../src/citi/index.ts';
import { connectUsers } from '../lib/connections.ts';
import { DEFAULT_SETTINGS, pipelineJob, type BenchContext } from '../lib/context.ts';
import { createBenchDatabase } from '../lib/db.ts';
import { runPipeline } from '../lib/proc.ts';
import { startSandboxProcess } from '../lib/sandbox.ts';
import { sandboxRun, type PipelineRun } from './backfill.ts';

export const LATENCY_MS = 200;
/** The market the target is read on (paged windows), and the one shown beside it. */
export const LATENCY_MARKETS = ['SG', 'US'] as const;

export interface LatencyMarket {
  country: string;
  /** Months of history the dialect serves (a first sync walks all of it). */
  historyMonths: number;
  sequential: PipelineRun;
  split: PipelineRun;
}

export interface LatencyResults {
  perAccount: number;
  sequentialSettings: { windowDays: number; windowConcurrency: number };
  splitSettings: { windowDays: number; windowConcurrency: number };
  /** LATENCY_MARKETS in order: the first is the target's. */
  markets: LatencyMarket[];
}

export async function runLatencyScenario(ctx: BenchContext): Promise<LatencyResults> {
  ctx.log(`7a. latency-bound: one account × ${ctx.sizes.latencyPerAccount} transactions, ${LATENCY_MS} ms per request`);
  // The API's longest window (12 months) one at a time, against a month's windows all in flight.
  const sequentialSettings = { windowDays: 366, windowConcurrency: 1 };
  const splitSettings = { windowDays: 30, windowConcurrency: 12 };
  const markets: LatencyMarket[] = [];
  for (const country of LATENCY_MARKETS) {
    const sb = await startSandboxProcess({
      seed: 1,
      today: ctx.today,
      rateLimit: false,
      autoConsent: true,
      country,
      faults: { latencyMs: LATENCY_MS },
      profile: { users: 1, accountsPerUser: 1, transactionsPerAccount: ctx.sizes.latencyPerAccount },
    });
    try {
      const once = async (settings: typeof DEFAULT_SETTINGS): Promise<PipelineRun> => {
        const db = await createBenchDatabase(ctx.adminUrl, 'latency');
        try {
          const conn = await connectUsers(db.db, sb, 1, country);
          return await sandboxRun(sb, () => runPipeline(pipelineJob(sb, db.url, conn, { settings })));
        } finally {
          await db.drop();
        }
      };
      const sequential = await once({ ...DEFAULT_SETTINGS, ...sequentialSettings });
      const split = await once({ ...DEFAULT_SETTINGS, ...splitSettings });
      const { historyMonths } = dialectFor(country);
      ctx.log(`   ${country}: ${sequential.requests} requests in ${(sequential.ms / 1000).toFixed(2)} s vs ${split.requests} in ${(split.ms / 1000).toFixed(2)} s`);
      markets.push({ country, historyMonths, sequential, split });
    } finally {
      await sb.close();
    }
  }
  return { perAccount: ctx.sizes.latencyPerAccount, sequentialSettings, splitSettings, markets };
}
