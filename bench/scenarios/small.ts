/**
 * Scenario 6's small point (same accounts, a tenth of the rows: peak RSS to compare with the big
 * backfill's) and the CPU profile, taken on a separate run of the same size under `--cpu-prof` so
 * that neither the timing nor the RSS figures carry the profiler's cost.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { openPglite } from '../../src/db/pglite.ts';
import { migrate } from '../../src/db/migrate.ts';
import { join } from 'node:path';
import { summarizeProfile, type ProfileSummary } from '../lib/cpuProfile.ts';
import { connectUsers, type Connected } from '../lib/connections.ts';
import { pipelineJob, type BenchContext } from '../lib/context.ts';
import { createBenchDatabase } from '../lib/db.ts';
import { runPipeline } from '../lib/proc.ts';
import { startSandboxProcess } from '../lib/sandbox.ts';
import { sandboxRun, type PipelineRun } from './backfill.ts';

export interface SmallResults {
  rows: number;
  run: PipelineRun;
  /** The same backfill into the embedded database (PGlite in a fresh directory), as a user without DATABASE_URL gets. */
  pglite?: PipelineRun;
  profiled: PipelineRun;
  profile: ProfileSummary;
  profileFile: string;
}

export async function runSmallScenarios(ctx: BenchContext): Promise<SmallResults> {
  const { accounts, perAccount } = ctx.sizes.small;
  ctx.log(`6. small backfill: ${accounts} accounts × ${perAccount} transactions (RSS), then the same under --cpu-prof`);
  const sb = await startSandboxProcess({
    seed: 1,
    today: ctx.today,
    rateLimit: false,
    autoConsent: true,
    profile: { users: 1, accountsPerUser: accounts, transactionsPerAccount: perAccount },
  });
  try {
    const once = async (nodeFlags: string[], traceIo = false): Promise<PipelineRun> => {
      const db = await createBenchDatabase(ctx.adminUrl, 'small');
      try {
        const conn = await connectUsers(db.db, sb);
        return await sandboxRun(sb, () => runPipeline(pipelineJob(sb, db.url, conn, { traceIo }), { nodeFlags }));
      } finally {
        await db.drop();
      }
    };
    const onPglite = async (): Promise<PipelineRun> => {
      const dataDir = mkdtempSync(join(ctx.scratch, 'pglite-'));
      try {
        // Migrated and connected here, then closed: PGlite is one process's (src/db/lockFile.ts).
        const db = await openPglite(dataDir);
        let conn: Connected;
        try {
          await migrate(db);
          conn = await connectUsers(db, sb);
        } finally {
          await db.close();
        }
        return await sandboxRun(sb, () => runPipeline({ ...pipelineJob(sb, '', conn), dataDir }));
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    };
    const run = await once([]);
    ctx.log('6. the same backfill on embedded PGlite');
    const pglite = await onPglite();
    const dir = mkdtempSync(join(ctx.scratch, 'prof-'));
    const profiled = await once(['--cpu-prof', `--cpu-prof-dir=${dir}`], true);
    // The main thread writes the first profile; tsx's loader thread writes a second, smaller one.
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
    const profileFile = join(dir, files[0]!);
    return { rows: run.totals.inserted, run, pglite, profiled, profile: summarizeProfile(profileFile, 20), profileFile };
  } finally {
    await sb.close();
  }
}
