#!/usr/bin/env node
// npm's `prepare`: builds dist/ (`npm run build`) unless it is already current. npm runs prepare after
// `npm ci`, and again whenever it installs this directory as a package: `npx citi-sync …` in a clone
// does that (npm links the project into its npx cache to set up the bin), which rebuilt everything,
// the embedded template's initdb included, on every new user's first demo (about 30 s of CPU and
// 800 MB). dist/ is current when its entry point and a template exist and nothing the build reads
// changed after the entry point was written. `npm pack` (prepack) always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'cli', 'main.js');
const templates = join(root, 'dist', 'embedded-template');
const inputs = ['src', 'migrations', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newerThan(path, ms) {
  if (!existsSync(path)) return false;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs > ms;
  return readdirSync(path, { recursive: true, withFileTypes: true }).some((e) => e.isFile() && statSync(join(e.parentPath, e.name)).mtimeMs > ms);
}

function current() {
  if (!existsSync(entry) || !existsSync(templates)) return false;
  if (!readdirSync(templates).some((n) => n.startsWith('migrated-') && n.endsWith('.tar.gz'))) return false;
  const built = statSync(entry).mtimeMs;
  return !inputs.some((p) => newerThan(join(root, p), built));
}

if (current()) {
  console.log('citi-sync: dist/ is up to date (npm run build rebuilds it)');
} else {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
