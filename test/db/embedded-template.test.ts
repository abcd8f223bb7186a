import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header, list, type HeaderData } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFromTemplate, templateKey, templatePath } from '../../src/db/embeddedTemplate.ts';
import { writeEmbeddedTemplate } from '../../src/db/embeddedTemplateBuild.ts';
import { MIGRATIONS_FOLDER, migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { packTree, unpackTree } from '../../src/db/templateArchive.ts';
import type { Database } from '../../src/db/database.ts';

const root = mkdtempSync(join(tmpdir(), 'citi-sync-template-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
/** A data directory path (not created) in this file's scratch directory. */
function dataDirPath(): string {
  return join(root, `data-${++seq}`, 'db');
}

/** A copy of the package's migrations with one SQL file changed: another key. */
function changedMigrations(): string {
  const folder = join(root, `migrations-${++seq}`);
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const last = readdirSync(folder).filter((n) => n.endsWith('.sql')).sort().at(-1)!;
  appendFileSync(join(folder, last), '\n-- changed\n');
  return folder;
}

/** What the migrations made, as the catalog and drizzle's journal show it. */
async function schemaOf(db: Database): Promise<unknown[]> {
  const queries = [
    `SELECT id, hash, created_at::text FROM drizzle.__drizzle_migrations ORDER BY id`,
    `SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema IN ('citi_sync', 'analytics') ORDER BY 1, 2, ordinal_position`,
    `SELECT schemaname, viewname, definition FROM pg_views WHERE schemaname IN ('citi_sync', 'analytics') ORDER BY 1, 2`,
    `SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes WHERE schemaname IN ('citi_sync', 'analytics') ORDER BY 1, 2, 3`,
    `SELECT rolname FROM pg_roles WHERE rolname LIKE 'citi_sync%' ORDER BY 1`,
  ];
  const out: unknown[] = [];
  for (const q of queries) out.push((await db.query(q)).rows);
  return out;
}

/** A gzipped tar written entry by entry with node-tar's Header: archives `tar.c` would never make. */
function rawArchive(entries: { header: HeaderData; body?: string }[], opts: { cut?: number } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const { header, body = '' } of entries) {
    const h = new Header({ mode: 0o644, mtime: new Date(0), size: Buffer.byteLength(body), ...header });
    h.encode();
    blocks.push(h.block!);
    if (body) blocks.push(Buffer.concat([Buffer.from(body)], Math.ceil(Buffer.byteLength(body) / 512) * 512));
  }
  blocks.push(Buffer.alloc(1024));
  const tar = Buffer.concat(blocks);
  return gzipSync(opts.cut === undefined ? tar : tar.subarray(0, opts.cut));
}

/** Every path under `dir` with its type and mode: `file 600 PG_VERSION`. */
function treeOf(dir: string): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const st = lstatSync(join(path, name));
      const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      out.push(`${kind} ${(st.mode & 0o777).toString(8)} ${relative(dir, join(path, name))}`);
      if (st.isDirectory()) visit(join(path, name));
    }
  };
  visit(dir);
  return out;
}

describe('template archive', () => {
  /** A small tree with loose modes, as PGlite leaves them before they are tightened. */
  function sourceTree(): string {
    const src = join(root, `tree-${++seq}`);
    mkdirSync(join(src, 'base', '5'), { recursive: true, mode: 0o755 });
    writeFileSync(join(src, 'base', '5', '2608_fsm'), 'x'.repeat(700), { mode: 0o644 });
    writeFileSync(join(src, 'PG_VERSION'), '17\n', { mode: 0o666 });
    writeFileSync(join(src, 'empty'), '', { mode: 0o644 });
    return src;
  }

  it('unpacks what it packed, private, and packs the same tree to the same bytes whatever its times', async () => {
    const src = sourceTree();
    const first = join(root, `archive-${++seq}.tar.gz`);
    await packTree(src, first);
    utimesSync(join(src, 'PG_VERSION'), new Date(), new Date(2001, 1, 1));
    const second = join(root, `archive-${++seq}.tar.gz`);
    await packTree(src, second);
    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);

    const out = mkdtempSync(join(root, 'out-'));
    await unpackTree(first, out);
    expect(treeOf(out)).toEqual(['file 600 PG_VERSION', 'dir 700 base', 'dir 700 base/5', 'file 600 base/5/2608_fsm', 'file 600 empty']);
    expect(readFileSync(join(out, 'base', '5', '2608_fsm'), 'utf8')).toBe('x'.repeat(700));
    expect(readFileSync(join(out, 'PG_VERSION'), 'utf8')).toBe('17\n');
  });

  it('writes no owners, fixed times and private modes in the archive', async () => {
    const file = join(root, `archive-${++seq}.tar.gz`);
    await packTree(sourceTree(), file);
    const headers: string[] = [];
    await list({ file, onReadEntry: (e) => void headers.push(`${e.type} ${e.mode?.toString(8)} ${e.uname ?? ''}|${e.gname ?? ''} ${e.mtime?.getTime() ?? '-'} ${e.path}`) });
    expect(headers).toEqual([
      'File 600 | 0 PG_VERSION',
      'Directory 700 | - base/',
      'Directory 700 | - base/5/',
      'File 600 | 0 base/5/2608_fsm',
      'File 600 | 0 empty',
    ]);
  });

  it('refuses a tree holding anything but files and directories', async () => {
    const src = sourceTree();
    symlinkSync('PG_VERSION', join(src, 'link'));
    await expect(packTree(src, join(root, `archive-${++seq}.tar.gz`))).rejects.toThrow('tar: link is neither a file nor a directory');
  });

  const file = (path: string, body = 'x'): { header: HeaderData; body: string } => ({ header: { path, type: 'File' }, body });
  const hostile: [string, Buffer, string | RegExp][] = [
    ['a path climbing out', rawArchive([file('PG_VERSION'), file('a/../../escaped')]), 'tar: unsafe path "a/../../escaped"'],
    ['an absolute path', rawArchive([file(join(root, 'absolute'))]), `tar: unsafe path ${JSON.stringify(join(root, 'absolute'))}`],
    ['a symlink', rawArchive([{ header: { path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' } }]), 'tar: link is neither a file nor a directory (SymbolicLink)'],
    ['a hard link', rawArchive([file('PG_VERSION'), { header: { path: 'hard', type: 'Link', linkpath: 'PG_VERSION' } }]), 'tar: hard is neither a file nor a directory (Link)'],
    ['a device', rawArchive([{ header: { path: 'dev', type: 'CharacterDevice', devmaj: 1, devmin: 3 } }]), 'tar: dev is neither a file nor a directory (CharacterDevice)'],
    ['a body cut short', rawArchive([file('PG_VERSION', 'y'.repeat(2000))], { cut: 1024 }), /TAR_BAD_ARCHIVE|truncated/],
    ['a gzip stream cut short', rawArchive([file('PG_VERSION', 'y'.repeat(2000))]).subarray(0, 40), /unexpected end of file|TAR_ABORT|TAR_BAD_ARCHIVE/],
    ['a header that fails its checksum', (() => {
      const tar = gunzipSync(rawArchive([file('PG_VERSION'), file('other')]));
      tar[512 * 2 + 1] = 0x41; // the second header's name
      return gzipSync(tar);
    })(), /checksum/],
    ['no tar at all', gzipSync('not a tar archive'), /TAR_BAD_ARCHIVE/],
  ];

  it.each(hostile)('refuses %s, writing nothing outside the directory', async (_what, archive, error) => {
    const dir = mkdtempSync(join(root, 'hostile-'));
    const out = join(dir, 'out');
    mkdirSync(out);
    const archiveFile = join(dir, 'archive.tar.gz');
    writeFileSync(archiveFile, archive);
    await expect(unpackTree(archiveFile, out)).rejects.toThrow(error);
    expect(readdirSync(dir).sort()).toEqual(['archive.tar.gz', 'out']);
    expect(treeOf(out).filter((e) => !e.startsWith('file 600 ') && !e.startsWith('dir 700 '))).toEqual([]);
    expect(existsSync(join(root, 'absolute'))).toBe(false);
  });
});

describe('template key', () => {
  it('changes with a migration, not with drizzle-kit snapshots (they are not shipped)', () => {
    const changed = changedMigrations();
    expect(templateKey(changed)).not.toBe(templateKey(MIGRATIONS_FOLDER));
    const snapshotsOnly = join(root, `migrations-${++seq}`);
    cpSync(MIGRATIONS_FOLDER, snapshotsOnly, { recursive: true });
    rmSync(join(snapshotsOnly, 'meta', '0000_snapshot.json'));
    expect(templateKey(snapshotsOnly)).toBe(templateKey(MIGRATIONS_FOLDER));
  });
});

describe('embedded database template', () => {
  const dir = join(root, 'templates');
  let file: string;
  beforeAll(async () => {
    mkdirSync(dir);
    writeFileSync(join(dir, 'migrated-0123456789abcdef.tar.gz'), 'a template of other migrations');
    file = await writeEmbeddedTemplate({ dir });
  });

  it('is written under the key of the migrations, replacing templates of other keys', () => {
    expect(file).toBe(templatePath({ dir }));
    expect(basename(file)).toBe(`migrated-${templateKey()}.tar.gz`);
    expect(readdirSync(dir)).toEqual([basename(file)]);
  });

  it('starts a fresh directory migrated exactly as migrate does, with private files', async () => {
    const dataDir = dataDirPath();
    const seeded = await openPglite(dataDir, { template: { dir } });
    const normal = await openPglite('memory://');
    try {
      expect(await migrate(seeded)).toEqual({ applied: [] });
      await migrate(normal);
      const shape = await schemaOf(seeded);
      expect((shape[0] as unknown[]).length).toBe(readdirSync(MIGRATIONS_FOLDER).filter((n) => n.endsWith('.sql')).length);
      expect(shape).toEqual(await schemaOf(normal));
      // The lean shared buffers of every embedded database (src/db/pglite.ts), on both paths.
      expect((await seeded.query('SHOW shared_buffers')).rows).toEqual([{ shared_buffers: '16MB' }]);
      expect((await normal.query('SHOW shared_buffers')).rows).toEqual([{ shared_buffers: '16MB' }]);
    } finally {
      await seeded.close();
      await normal.close();
    }
    const loose: string[] = [];
    const visit = (path: string): void => {
      const st = lstatSync(path);
      if ((st.mode & 0o777) !== (st.isDirectory() ? 0o700 : 0o600)) loose.push(`${path} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) for (const n of readdirSync(path)) visit(join(path, n));
    };
    visit(dataDir);
    expect(loose).toEqual([]);
    expect(readdirSync(join(dataDir, '..')).sort()).toEqual(['db']); // no staging directory left behind
  });

  it('takes the normal path when the migrations differ, the template is missing, unreadable, or the directory is not empty', async () => {
    const changed = changedMigrations();
    const dataDir = dataDirPath();
    mkdirSync(dataDir, { recursive: true });
    expect(await seedFromTemplate(dataDir, { dir, migrationsFolder: changed })).toBe(false);
    expect(await seedFromTemplate(dataDir, { dir: join(root, 'no-templates') })).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]);

    const badDir = join(root, 'bad-templates');
    mkdirSync(badDir);
    writeFileSync(templatePath({ dir: badDir }), 'not gzip');
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg), debug: () => undefined } as never;
    expect(await seedFromTemplate(dataDir, { dir: badDir }, logger)).toBe(false);
    expect(warnings).toEqual([`the embedded database template ${templatePath({ dir: badDir })} could not be used; initialising the usual way`]);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(readdirSync(join(dataDir, '..'))).toEqual(['db']);

    // A template that unpacks part way before its hostile entry: the staging copy is removed.
    writeFileSync(
      templatePath({ dir: badDir }),
      rawArchive([{ header: { path: 'PG_VERSION', type: 'File' }, body: '17\n' }, { header: { path: 'base', type: 'SymbolicLink', linkpath: '/tmp' } }]),
    );
    expect(await seedFromTemplate(dataDir, { dir: badDir }, logger)).toBe(false);
    expect(warnings).toHaveLength(2);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(readdirSync(join(dataDir, '..'))).toEqual(['db']);

    writeFileSync(join(dataDir, 'something'), '');
    expect(await seedFromTemplate(dataDir, { dir })).toBe(false);
    expect(readdirSync(dataDir)).toEqual(['something']);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(false);
  });

  it('opens a fresh directory with a template of other migrations the normal way: initdb, nothing migrated', async () => {
    const changed = changedMigrations();
    const dataDir = dataDirPath();
    const db = await openPglite(dataDir, { template: { dir, migrationsFolder: changed } });
    try {
      expect((await db.query(`SELECT to_regclass('drizzle.__drizzle_migrations') AS t`)).rows).toEqual([{ t: null }]);
    } finally {
      await db.close();
    }
  });
});
