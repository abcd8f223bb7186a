import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Which heavy CommonJS libraries a command loads: each costs 0.1-0.2 s of CPU at every start
 * (issue #14). Asserted on require's module cache, not on time, so the test does not depend on the
 * machine's load. `<command> --help` loads that command's module in full, as running it would, but
 * reads no config and opens nothing.
 */
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// Prints, at exit, the libraries in require's cache (an ESM import of a CommonJS library lands there too).
const reportLoaded = `data:text/javascript,${encodeURIComponent(`
  import { createRequire } from 'node:module';
  const cache = createRequire(process.cwd() + '/').cache;
  process.on('exit', () => {
    const names = new Set(Object.keys(cache).map((f) => /node_modules\\/([^/]+)\\//.exec(f)?.[1]).filter(Boolean));
    process.stderr.write('LOADED ' + JSON.stringify([...names]) + '\\n');
  });
`)}`;

function librariesLoadedBy(args: string[]): string[] {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--import', reportLoaded, main, ...args], { encoding: 'utf8' });
  const line = /^LOADED (.*)$/m.exec(run.stderr);
  if (run.status !== 0 || !line) throw new Error(`citi-sync ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(line[1]!) as string[];
}

describe('start-up', () => {
  it.each([
    { args: ['--help'], notLoaded: ['bullmq', 'ioredis', 'undici'] },
    // status reaches Redis (and bullmq) only after the database part, and only when it runs.
    { args: ['status', '--help'], notLoaded: ['bullmq', 'ioredis', 'undici'] },
    // sync reaches undici at its first request to Citi (or webhook delivery), after the database.
    { args: ['sync', '--help'], notLoaded: ['bullmq', 'ioredis', 'undici'] },
    // doctor checks the database and Redis before it reaches Citi.
    { args: ['doctor', '--help'], notLoaded: ['bullmq', 'undici'] },
  ])('citi-sync $args loads none of $notLoaded', ({ args, notLoaded }) => {
    const loaded = librariesLoadedBy(args);
    // The probe works: every command loads commander.
    expect(loaded).toContain('commander');
    expect(loaded.filter((name) => notLoaded.includes(name))).toEqual([]);
  });
});
