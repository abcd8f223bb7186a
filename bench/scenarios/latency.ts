/**
 * Scenario 7a: one checking account's 24-month backfill behind 200 ms of latency per request,
 * windows walked one after another (the API's 12-month windows) vs 30-day windows 8 at a time.
 */
import { connectUsers } from '../lib/connections.ts';
import { DEFAULT_SETTINGS, pipelineJob, type BenchContext } from '../lib/context.ts';
import { createBenchDatabase } from '../lib/db.ts';
import { runPipeline } from '../lib/proc.ts';
import { startSandboxProcess } from '../lib/sandbox.ts';
import { sandboxRun, type PipelineRun } from './backfill.ts';

export const LATENCY_MS = 200;

export interface LatencyResults {
  perAccount: number;
  sequential: PipelineRun;
  split: PipelineRun;
  splitSettings: { windowDays: number; windowConcurrency: number };
}

export async function runLatencyScenario(ctx: BenchContext): Promise<LatencyResults> {
  ctx.log(`7a. latency-bound: one account × ${ctx.sizes.latencyPerAccount} transactions, ${LATENCY_MS} ms per request`);
  const sb = await startSandboxProcess({
    seed: 1,
    today: ctx.today,
    rateLimit: false,
    autoConsent: true,
    faults: { latencyMs: LATENCY_MS },
    profile: { users: 1, accountsPerUser: 1, transactionsPerAccount: ctx.sizes.latencyPerAccount },
  });
  const splitSettings = { windowDays: 30, windowConcurrency: 8 };
  try {
    const once = async (settings: typeof DEFAULT_SETTINGS): Promise<PipelineRun> => {
      const db = await createBenchDatabase(ctx.adminUrl, 'latency');
      try {
        const conn = await connectUsers(db.db, sb);
        return await sandboxRun(sb, () => runPipeline(pipelineJob(sb, db.url, conn, { settings })));
      } finally {
        await db.drop();
      }
    };
    const sequential = await once({ ...DEFAULT_SETTINGS, windowConcurrency: 1 });
    const split = await once({ ...DEFAULT_SETTINGS, ...splitSettings });
    return { perAccount: ctx.sizes.latencyPerAccount, sequential, split, splitSettings };
  } finally {
    await sb.close();
  }
}
