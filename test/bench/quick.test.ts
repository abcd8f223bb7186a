/**
 * Runs `npm run bench -- --quick` end to end (into a temp file, never BENCHMARKS.md) so the harness
 * cannot rot: every scenario must run and the correctness checks inside it must hold. The figures
 * of a quick run mean nothing, so no performance target is asserted here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { AllResults } from '../../bench/lib/report.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'citi-bench-test-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  // PGlite's initdb (the demo and the embedded backfill each create a fresh data dir) alone takes
  // seconds of CPU: the quick run needs more than a minute on 2 shared cores.
  it('runs every scenario and writes the report', { timeout: 240_000 }, async () => {
    const out = join(dir, 'quick.md');
    await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out, '--json', join(dir, 'quick.json')], {
      env: { ...process.env, BENCH_DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl') },
      timeout: 235_000,
    });
    const md = readFileSync(out, 'utf8');
    for (const heading of [
      '## Targets',
      '## 1–4.',
      '## 5. Quota-bound',
      '## 6. Memory',
      '## 7. Latency-bound',
      '## CPU per scenario',
      '## Embedded PGlite beside the server',
      '## 8. `npx citi-sync demo`',
      '## 9. A lean row',
      '## Profile of the backfill',
    ]) {
      expect(md).toContain(heading);
    }
    const r = JSON.parse(readFileSync(join(dir, 'quick.json'), 'utf8')) as AllResults;
    const b = r.backfill!;
    expect(b.backfill.totals.failedAccounts).toBe(0);
    expect(b.backfill.mismatchedAccounts).toBe(0);
    expect(b.backfill.rowsStored).toBe(b.rowsInWorld);
    expect(b.noChange.writes).toEqual({ inserted: 0, updated: 0, deleted: 0 });
    expect(b.noChange.xminRows).toBe(0);
    expect(b.changed.missed).toBe(0);
    expect(b.changed.totals.inserted).toBe(b.changed.expected.added);
    expect(r.quota!.run.served429).toBe(0);
    expect(r.fleet!.one.failed + r.fleet!.two.failed).toBe(0);
    expect(r.small!.profile.top.length).toBeGreaterThan(0);
    // The CPU split: every process of the backfill did some work.
    expect(b.backfill.postgresCpuMs).toBeGreaterThan(0);
    expect(b.backfill.postgresBackends).toBeGreaterThan(0);
    expect(b.backfill.simulatorCpuMs).toBeGreaterThan(0);
    expect(b.coreCopyFloor!.rows).toBe(b.rowsInWorld);
    expect(r.small!.pglite!.totals.failedAccounts).toBe(0);
    expect(r.small!.pglite!.totals.inserted).toBe(r.small!.rows);
    expect(r.demo!.pglite.exitCode).toBe(0);
    expect(r.demo!.postgres.exitCode).toBe(0);
    expect(r.lean!.runs.map((v) => [v.variant, v.rows])).toEqual(['as now', 'unmapped only', 'per page', 'none'].map((v) => [v, r.lean!.rows]));
  });
});
