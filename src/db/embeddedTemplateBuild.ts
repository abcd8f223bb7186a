/**
 * Writes the migrated template that fresh embedded databases start from (src/db/embeddedTemplate.ts).
 * Run by `npm run build` (scripts/buildEmbeddedTemplate.js); a build without it only loses the speed-up.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { templatePath, type TemplateSource } from './embeddedTemplate.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { packTar, type TarEntry } from './tarArchive.ts';

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
    const archive = await promisify(gzip)(packTar(entriesOf(dataDir)), { level: 9 });
    mkdirSync(dirname(out), { recursive: true });
    const partial = `${out}.${process.pid}.partial`;
    writeFileSync(partial, archive);
    renameSync(partial, out);
    for (const name of readdirSync(dirname(out))) {
      if (name !== basename(out) && /^migrated-[0-9a-f]+\.tar\.gz$/.test(name)) unlinkSync(join(dirname(out), name));
    }
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Directories before their contents, names sorted, so the archive is the same for the same tree. */
function* entriesOf(root: string): Generator<TarEntry> {
  const visit = function* (dir: string): Generator<TarEntry> {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split('\\').join('/');
      if (entry.isDirectory()) {
        yield { path: rel, type: 'dir' };
        yield* visit(path);
      } else if (entry.isFile()) {
        yield { path: rel, type: 'file', data: readFileSync(path) };
      } else {
        throw new Error(`embedded template: ${rel} is neither a file nor a directory`);
      }
    }
  };
  yield* visit(root);
}
