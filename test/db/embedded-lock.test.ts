import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.ts';
import { EmbeddedDatabaseBusyError } from '../../src/db/errors.ts';
import { LockFile } from '../../src/db/lockFile.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDataDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'citi-sync-lock-'));
  dirs.push(root);
  return join(root, 'db');
}

describe('embedded database lock file', () => {
  it('lets one process open the directory; a second open fails with EmbeddedDatabaseBusyError naming the pid', async () => {
    const dataDir = tempDataDir();
    const db = await openDatabase({ dataDir });
    try {
      expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
      const err = await openDatabase({ dataDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmbeddedDatabaseBusyError);
      expect((err as Error).message).toBe(
        `the embedded database at ${dataDir} is in use by process ${process.pid}; set DATABASE_URL to use a server Postgres for concurrent processes`,
      );
      await db.query(`CREATE TABLE kept (x int)`);
      await db.query(`INSERT INTO kept VALUES (1)`);
    } finally {
      await db.close();
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    // The data persisted, and the directory can be opened again.
    const again = await openDatabase({ dataDir });
    try {
      expect((await again.query('SELECT x FROM kept')).rows).toEqual([{ x: 1 }]);
    } finally {
      await again.close();
    }
  });

  it('another live process holding it blocks us', async () => {
    const dataDir = tempDataDir();
    const script = new URL('./fixtures/hold-embedded.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
      });
      const err = await openDatabase({ dataDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmbeddedDatabaseBusyError);
      expect((err as EmbeddedDatabaseBusyError).pid).toBe(child.pid);
    } finally {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('takes over a stale lock left by a dead process', () => {
    const dataDir = tempDataDir();
    // Pid 2^22+ is above Linux's default pid_max, so no such process exists.
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: 4_194_999, host: hostname() }));
    const lock = LockFile.acquire(dataDir);
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8')).pid).toBe(process.pid);
    lock.releaseSync();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('does not take over a lock of another host', () => {
    const dataDir = tempDataDir();
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: 4_194_999, host: 'elsewhere' }));
    expect(() => LockFile.acquire(dataDir)).toThrow(/in use by process 4194999 on elsewhere/);
  });

  it('memory:// takes no lock', async () => {
    const a = await openDatabase({ dataDir: 'memory://' });
    const b = await openDatabase({ dataDir: 'memory://' });
    await Promise.all([a.close(), b.close()]);
  });
});
