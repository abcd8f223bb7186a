/**
 * The published package, as a user gets it: `npm pack` (which builds through `prepack`) in a copy of
 * the repository, the tarball's file list checked, then its `bin` run from the unpacked tarball with
 * the runtime dependencies only (no tsx, no sources), against a real Postgres.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateKey } from '../../src/db/embeddedTemplate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

let work: string;
let files: string[];
let unpacked: string;
let tdb: TestDatabase;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'citi-sync-pack-'));
  // A copy, so building for the tarball never rewrites the dist/ that other tests may be running.
  const copy = join(work, 'repo');
  mkdirSync(copy);
  // What the build and `files` can see, plus the development tree `files` must leave out.
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts', 'bin', 'migrations', 'docs', 'test/package', 'README.md', 'CHANGELOG.md', 'LICENSE', '.env.example']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const report = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = report[0]!.files.map((f) => f.path).sort();
  unpacked = join(work, 'installed');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', join(work, report[0]!.filename), '-C', unpacked]);
  // The runtime dependencies as npm would install them (hoisted): everything in node_modules but tsx.
  const modules = join(unpacked, 'package', 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === 'tsx' || entry === '.bin') continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  tdb = await createTestDatabase({ migrated: false });
}, 300_000);

afterAll(async () => {
  await tdb?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function runPacked(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(unpacked, 'package', 'bin', 'citi-sync.js'), ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('npm pack', () => {
  it('ships the build, the migrations and the docs, and nothing of the development tree', () => {
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('bin/citi-sync.js');
    expect(files).toContain('migrations/0000_init.sql');
    expect(files).toContain('migrations/meta/_journal.json');
    // The migrated template the first embedded start unpacks (src/db/embeddedTemplate.ts).
    expect(files).toContain(`dist/embedded-template/migrated-${templateKey()}.tar.gz`);
    for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']) expect(files).toContain(f);
    const unwanted = files.filter((f) => /^(src|test|bench|deploy|\.github)\/|_snapshot\.json$|\.test\.|tsconfig|vitest|eslint|drizzle\.config|Dockerfile|docker-compose/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('runs its bin with plain node: no tsx, no sources', () => {
    expect(existsSync(join(unpacked, 'package', 'src'))).toBe(false);
    expect(existsSync(join(unpacked, 'package', 'node_modules', 'tsx'))).toBe(false);
    const version = runPacked(['--version']);
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = runPacked(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('doctor');
  });

  it('migrates a database from the packed migrations and says what it applied', () => {
    const first = runPacked(['migrate'], { DATABASE_URL: tdb.url });
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^applied \d+ migration\(s\) to the server database:\n {2}0000_init\n/);
    const again = runPacked(['migrate'], { DATABASE_URL: tdb.url });
    expect(again.stdout).toBe('database schema is up to date (server database); nothing applied\n');
  });

  it('offers the library API through exports', async () => {
    const lib = (await import(join(unpacked, 'package', 'dist', 'index.js'))) as Record<string, unknown>;
    for (const name of ['openCitiSync', 'openDatabase', 'migrate', 'CitiClient', 'syncConnection', 'gatherStatus', 'TokenCipher', 'VERSION']) {
      expect(lib[name], name).toBeDefined();
    }
    expect(lib.VERSION).toBe(pkg.version);
  });
});
