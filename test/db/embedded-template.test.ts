import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFromTemplate, templateKey, templatePath } from '../../src/db/embeddedTemplate.ts';
import { writeEmbeddedTemplate } from '../../src/db/embeddedTemplateBuild.ts';
import { MIGRATIONS_FOLDER, migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { packTar, unpackTar, type TarEntry } from '../../src/db/tarArchive.ts';
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

describe('tar archive', () => {
  const entries: TarEntry[] = [
    { path: 'base', type: 'dir' },
    { path: 'base/5/2608_fsm', type: 'file', data: Buffer.from('x'.repeat(700)) },
    { path: 'PG_VERSION', type: 'file', data: Buffer.from('17\n') },
    { path: 'empty', type: 'file', data: new Uint8Array(0) },
  ];

  it('reads back what it wrote', () => {
    const read = [...unpackTar(packTar(entries))].map((e) => (e.type === 'file' ? { ...e, data: Buffer.from(e.data).toString() } : e));
    expect(read).toEqual(entries.map((e) => (e.type === 'file' ? { ...e, data: Buffer.from(e.data).toString() } : e)));
  });

  it('refuses paths leaving the directory, links, bad checksums and truncation', () => {
    const evil = packTar([{ path: 'a/../../etc/passwd', type: 'file', data: Buffer.from('x') }]);
    expect(() => [...unpackTar(evil)]).toThrow('tar: unsafe path "a/../../etc/passwd"');

    const link = packTar([{ path: 'link', type: 'file', data: new Uint8Array(0) }]);
    link.write('2', 156, 'latin1'); // symlink
    link.write(`${checksumOf(link).toString(8).padStart(6, '0')}\x00 `, 148, 'latin1');
    expect(() => [...unpackTar(link)]).toThrow('tar: link is neither a file nor a directory (type "2")');

    const corrupt = packTar(entries);
    corrupt[3] = 0x41;
    expect(() => [...unpackTar(corrupt)]).toThrow('tar: bad header checksum at byte 0');

    expect(() => [...unpackTar(packTar(entries).subarray(0, 1024))]).toThrow('tar: truncated in base/5/2608_fsm');
  });
});

function checksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

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
