/**
 * `npx citi-sync demo` as a user runs it: a fresh process, a fresh data directory, the embedded
 * default (PGlite), then the same demo on a server Postgres (DATABASE_URL) for comparison. Wall time
 * from spawn to exit; peak RSS and CPU from inside the process (bench/lib/rssAtExit.ts).
 * An installation has the migrated template `npm run build` writes (src/db/embeddedTemplate.ts);
 * a checkout that was not built gets it here, so the figure is an installation's first run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../lib/context.ts';
import { createBenchDatabase } from '../lib/db.ts';
import { killOnExit } from '../lib/proc.ts';
import { templatePath } from '../../src/db/embeddedTemplate.ts';
import { writeEmbeddedTemplate } from '../../src/db/embeddedTemplateBuild.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const PRELOAD = new URL('../lib/rssAtExit.ts', import.meta.url).href;
const TSX = import.meta.resolve('tsx');

export interface DemoRun {
  ms: number;
  maxRssMB: number;
  cpuMs: number;
  exitCode: number | null;
}

export interface DemoResults {
  pglite: DemoRun;
  postgres: DemoRun;
}

async function runDemo(ctx: BenchContext, env: Record<string, string>): Promise<DemoRun> {
  const dir = mkdtempSync(join(ctx.scratch, 'demo-'));
  const rssFile = join(dir, 'rss.json');
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('CITI_'))) as Record<string, string>;
  const t0 = performance.now();
  // In its own directory: a fresh data dir, and no .env of the checkout's.
  const child = spawn(process.execPath, ['--import', TSX, '--import', PRELOAD, CLI, 'demo'], {
    cwd: dir,
    env: { ...base, CITI_SYNC_DATA_DIR: join(dir, '.citi-sync'), BENCH_RSS_FILE: rssFile, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  killOnExit(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const ms = performance.now() - t0;
  if (exitCode !== 0) throw new Error(`demo exited with ${exitCode}: ${err}`);
  const inside = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssMB: number; cpuMs: number };
  return { ms, exitCode, ...inside };
}

export async function runDemoScenario(ctx: BenchContext): Promise<DemoResults> {
  ctx.log('8. `citi-sync demo`: embedded PGlite in a fresh data dir, then on a server Postgres');
  if (!existsSync(templatePath())) ctx.log(`   built the migrated template (as \`npm run build\` does): ${await writeEmbeddedTemplate()}`);
  const pglite = await runDemo(ctx, {});
  const db = await createBenchDatabase(ctx.adminUrl, 'demo', { migrated: false });
  try {
    const postgres = await runDemo(ctx, { DATABASE_URL: db.url, CITI_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    return { pglite, postgres };
  } finally {
    await db.drop();
  }
}
