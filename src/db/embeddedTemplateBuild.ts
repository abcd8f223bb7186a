/**
 * Writes the migrated template that fresh embedded databases start from (src/db/embeddedTemplate.ts).
 * Run by `npm run build` (scripts/buildEmbeddedTemplate.js); a build without it only loses the speed-up.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { templatePath, type TemplateSource } from './embeddedTemplate.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { packTree } from './templateArchive.ts';

/**
 * Migrates a new PGlite directory, closes it (a clean shutdown: a checkpoint, no postmaster.pid, so
 * a copy resumes without recovery) and stores it as `migrated-<key>.tar.gz`; templates of other
 * keys in that directory are removed. Returns the file written.
 */
export async function writeEmbeddedTemplate(source: TemplateSource = {}): Promise<string> {
  const out = templatePath(source);
  const scratch = mkdtempSync(join(tmpdir(), 'citi-sync-template-'));
  try {
    const dataDir = join(scratch, 'db');
    const db = await openPglite(dataDir);
    try {
      await migrate(db, { migrationsFolder: source.migrationsFolder });
    } finally {
      await db.close();
    }
    mkdirSync(dirname(out), { recursive: true });
    const partial = `${out}.${process.pid}.partial`;
    try {
      await packTree(dataDir, partial);
      renameSync(partial, out);
    } catch (err) {
      rmSync(partial, { force: true });
      throw err;
    }
    for (const name of readdirSync(dirname(out))) {
      if (name !== basename(out) && /^migrated-[0-9a-f]+\.tar\.gz$/.test(name)) unlinkSync(join(dirname(out), name));
    }
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
