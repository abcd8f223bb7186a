/**
 * A fresh embedded database normally costs PGlite's initdb (PGlite runs it in a second PGlite
 * instance plus the initdb module: about 900 MB peak RSS and most of a first demo's time), then
 * every migration. `npm run build` writes a migrated template instead (src/db/embeddedTemplateBuild.ts):
 * the data directory of a freshly migrated PGlite, closed cleanly, as a gzipped tar. A fresh
 * directory can start as a copy of it, then PGlite resumes it as it resumes any directory.
 *
 * Invariant: a template is used only when its file name carries the key of this installation (the
 * migrations shipped with it, the PGlite version, the template format). Anything else (no
 * template, another key, an unreadable file) takes the normal path: initdb, then migrate.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIR_MODE } from './fileModes.ts';
import { MIGRATIONS_FOLDER } from './migrate.ts';
import { unpackTree } from './templateArchive.ts';
import type { Logger } from '../log/logger.ts';

/** Where the build writes templates: shipped in the package's dist/ (found from src/ or dist/). */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../dist/embedded-template', import.meta.url));

/** Bumped when what a template holds, or how it is written, changes. */
const TEMPLATE_FORMAT = 1;

export interface TemplateSource {
  /** @defaultValue {@link TEMPLATE_DIR} */
  dir?: string;
  /** The migrations the template must have been built from. @defaultValue the package's `migrations/` */
  migrationsFolder?: string;
}

/**
 * What a template depends on, hashed: the template format, the PGlite version (its data directory
 * format), drizzle's journal and every SQL file of the migrations folder (the snapshots are left
 * out: they are not shipped and do not change the schema).
 */
export function templateKey(migrationsFolder: string = MIGRATIONS_FOLDER): string {
  const hash = createHash('sha256').update(`format ${TEMPLATE_FORMAT}\npglite ${pgliteVersion()}\n`);
  hash.update('meta/_journal.json\n').update(readFileSync(join(migrationsFolder, 'meta', '_journal.json')));
  for (const name of readdirSync(migrationsFolder).filter((n) => n.endsWith('.sql')).sort()) {
    hash.update(`\n${name}\n`).update(readFileSync(join(migrationsFolder, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

export function templatePath(source: TemplateSource = {}): string {
  return join(source.dir ?? TEMPLATE_DIR, `migrated-${templateKey(source.migrationsFolder)}.tar.gz`);
}

/**
 * Makes the empty directory `dataDir` a copy of the matching template; false (nothing changed)
 * when there is none, or `dataDir` is not empty, or the template cannot be read. The copy is
 * written beside `dataDir` and renamed into place, so a crash never leaves a half-copied database
 * that PGlite would try to resume. The caller holds the directory's lock.
 */
export async function seedFromTemplate(dataDir: string, source: TemplateSource = {}, logger?: Logger): Promise<boolean> {
  if (readdirSync(dataDir).length > 0) return false;
  let file: string;
  try {
    file = templatePath(source);
  } catch (err) {
    logger?.debug({ err }, 'no key for an embedded database template; initialising the usual way');
    return false;
  }
  if (!existsSync(file)) {
    logger?.debug({ template: file }, 'no embedded database template for these migrations; initialising the usual way');
    return false;
  }
  const staging = `${dataDir}.seed-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(staging, { mode: DIR_MODE });
    await unpackTree(file, staging);
    if (!existsSync(join(staging, 'PG_VERSION'))) throw new Error('the template holds no PG_VERSION');
    rmdirSync(dataDir);
    renameSync(staging, dataDir);
    logger?.debug({ template: file }, 'embedded database started from the migrated template');
    return true;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    // Only the empty directory was removed before the rename: put it back for the usual path.
    mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
    logger?.warn({ err, template: file }, `the embedded database template ${file} could not be used; initialising the usual way`);
    return false;
  }
}

/** PGlite does not export its package.json: it is found beside the module's entry point. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new TypeError('@electric-sql/pglite: no version in its package.json');
  return pkg.version;
}
