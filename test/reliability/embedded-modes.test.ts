import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.ts';
import { createLogger } from '../../src/log/logger.ts';

/**
 * Issue 10 item 6: the embedded database's files were world-writable (968 files 0666 even with
 * umask 077: PGlite's file system sets the mode itself). Now: directories 0700, files 0600, and a
 * start that finds them loosened says so in one line and tightens them again.
 */
const root = mkdtempSync(join(tmpdir(), 'citi-sync-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Count of entries per kind and mode, e.g. { 'd700': 26, 'f600': 973 }. */
function modes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const visit = (p: string) => {
    const st = lstatSync(p);
    const key = `${st.isDirectory() ? 'd' : 'f'}${(st.mode & 0o777).toString(8)}`;
    out[key] = (out[key] ?? 0) + 1;
    if (st.isDirectory()) for (const n of readdirSync(p)) visit(join(p, n));
  };
  visit(dir);
  return out;
}

function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Array<{ level: number; msg: string }> } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

describe.skipIf(process.platform === 'win32')('embedded database file modes', () => {
  it('a new database is 0700 directories and 0600 files; a clean start warns about nothing', async () => {
    const dataDir = join(root, 'fresh', 'db');
    const first = captureLogger();
    const db = await openDatabase({ dataDir, logger: first.logger });
    await db.query('CREATE TABLE t (a int)');
    await db.query('INSERT INTO t VALUES (1)');
    expect(Object.keys(modes(dataDir)).sort()).toEqual(['d700', 'f600']);
    await db.close();
    const all = modes(dataDir);
    expect(Object.keys(all).sort()).toEqual(['d700', 'f600']);
    console.log(`embedded database: ${all.d700} directories 0700, ${all.f600} files 0600`);
    expect((lstatSync(join(root, 'fresh')).mode & 0o777).toString(8)).toBe('700');

    const again = captureLogger();
    const db2 = await openDatabase({ dataDir, logger: again.logger });
    await db2.close();
    expect([...first.lines(), ...again.lines()].filter((l) => l.level >= 40)).toEqual([]);
  }, 240_000);

  it('files someone loosened are reported in one warning line and tightened again', async () => {
    const dataDir = join(root, 'loosened', 'db');
    await (await openDatabase({ dataDir })).close();
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'PG_VERSION'), 0o666);
    chmodSync(join(dataDir, 'global'), 0o777);
    const log = captureLogger();
    const db = await openDatabase({ dataDir, logger: log.logger });
    await db.close();
    const warnings = log.lines().filter((l) => l.level >= 40);
    expect(warnings).toHaveLength(1);
    // The directory comes first; the order of the other two is the file system's.
    const msg = warnings[0]!.msg;
    expect(msg.startsWith(`embedded database files at ${dataDir} were open to other users (3, e.g. . (755), `)).toBe(true);
    expect(msg.endsWith('); reset to 0700/0600')).toBe(true);
    expect(msg).toContain('PG_VERSION (666)');
    expect(msg).toContain('global (777)');
    expect(Object.keys(modes(dataDir)).sort()).toEqual(['d700', 'f600']);
  }, 240_000);
});
