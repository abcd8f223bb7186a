import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** A listing of every file under dir, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('schema drift', () => {
  it('src/db/schema.ts and migrations/ agree (run `npm run db:generate` if this fails)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'citi-sync-drift-'));
    try {
      const out = join(tmp, 'migrations');
      cpSync(join(root, 'migrations'), out, { recursive: true });
      // drizzle-kit resolves `out` against the working directory (an absolute path breaks it), and
      // exits 0 even on errors, hence the check of its output.
      writeFileSync(join(tmp, 'drizzle.config.json'), JSON.stringify({ dialect: 'postgresql', schema: join(root, 'src/db/schema.ts'), out: './migrations' }));
      const before = files(out);
      const { stdout, stderr } = await run(join(root, 'node_modules/.bin/drizzle-kit'), ['generate', '--config=drizzle.config.json'], {
        cwd: tmp,
        timeout: 60_000,
      });
      expect(stderr).toBe('');
      expect(stdout).toMatch(/No schema changes/);
      expect(files(out)).toEqual(before);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
