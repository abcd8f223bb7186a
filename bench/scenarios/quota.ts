/** Scenario 5: a backfill that only the request budget limits (simulator 10/s burst 20, client 10/s). */
import { connectUsers } from '../lib/connections.ts';
import { pipelineJob, type BenchContext } from '../lib/context.ts';
import { createBenchDatabase } from '../lib/db.ts';
import { runPipeline } from '../lib/proc.ts';
import { startSandboxProcess } from '../lib/sandbox.ts';
import { sandboxRun, type PipelineRun } from './backfill.ts';

export const QUOTA_PER_SECOND = 10;

export interface QuotaResults {
  accounts: number;
  perAccount: number;
  run: PipelineRun;
  /** Requests ÷ rate: the floor as the issue states it. */
  floorMs: number;
  /** The exact floor: the client's burst (its bucket starts full) leaves at once, the rest at the rate. */
  burstFloorMs: number;
}

export async function runQuotaScenario(ctx: BenchContext): Promise<QuotaResults> {
  const { accounts, perAccount } = ctx.sizes.quota;
  ctx.log(`5. quota-bound: ${accounts} accounts × ${perAccount} transactions at ${QUOTA_PER_SECOND} requests/s`);
  const sb = await startSandboxProcess({
    seed: 1,
    today: ctx.today,
    rateLimit: { perSecond: QUOTA_PER_SECOND, burst: 2 * QUOTA_PER_SECOND },
    autoConsent: true,
    profile: { users: 1, accountsPerUser: accounts, transactionsPerAccount: perAccount },
  });
  const db = await createBenchDatabase(ctx.adminUrl, 'quota');
  try {
    const conn = await connectUsers(db.db, sb);
    const run = await sandboxRun(sb, () => runPipeline(pipelineJob(sb, db.url, conn, { ratePerSecond: QUOTA_PER_SECOND })));
    const clientBurst = Math.ceil(QUOTA_PER_SECOND);
    return {
      accounts,
      perAccount,
      run,
      floorMs: (run.requests / QUOTA_PER_SECOND) * 1000,
      burstFloorMs: (Math.max(0, run.requests - clientBurst) / QUOTA_PER_SECOND) * 1000,
    };
  } finally {
    await db.drop();
    await sb.close();
  }
}
