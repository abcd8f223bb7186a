#!/usr/bin/env node
// The package's entry point. It runs the compiled JavaScript in dist/ with plain node (no compiler at
// start-up); a development clone whose dist/ is missing or older than src/ runs the TypeScript sources
// through tsx instead, so `npx citi-sync demo` works right after `npm ci` and never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli', 'main.js');
const sources = join(root, 'src');

/** True when some source file changed after the last build (only a clone has src/). */
function sourcesNewerThan(ms) {
  if (!existsSync(sources)) return false;
  for (const entry of readdirSync(sources, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(join(entry.parentPath, entry.name)).mtimeMs > ms) return true;
  }
  return false;
}

if (existsSync(built) && !sourcesNewerThan(statSync(built).mtimeMs)) {
  // Node 22.1+ keeps compiled bytecode between runs: a second start parses almost nothing.
  module.enableCompileCache?.();
  await import(pathToFileURL(built).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('citi-sync: dist/ is missing and tsx is not installed: run `npm run build` (or `npm ci`) first');
    process.exit(2);
  }
  register();
  await import(pathToFileURL(join(sources, 'cli', 'main.ts')).href);
}
