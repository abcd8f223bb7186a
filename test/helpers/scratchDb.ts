/**
 * The one way tests, the chaos run and the benchmarks make a database of their own on a server
 * Postgres: `CREATE DATABASE <prefix>_<label>_<random>` (from a template, migrated unless told
 * otherwise), and DROP … WITH (FORCE) when done. No vitest import: `npm run chaos` and `npm run
 * bench` use it outside the test runner (test/helpers/db.ts adds the vitest-provided template).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/open.ts';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

export interface ScratchDatabase {
  db: Database;
  /** postgres:// URL for child processes. */
  url: string;
  /** The database's name (to scope pg_stat_activity queries to this database only). */
  name: string;
  /** Closes the handle and drops the database. Idempotent. */
  drop(): Promise<void>;
}

export interface ScratchOptions {
  /** @defaultValue 'citi_sync' */
  prefix?: string;
  /** @defaultValue 'template0' */
  template?: string;
  /** Run the migrations after creating it (not needed from an already migrated template). @defaultValue true */
  migrated?: boolean;
  /** @defaultValue 5 */
  poolSize?: number;
  /** Shown in pg_stat_activity. @defaultValue 'citi-sync-test' */
  applicationName?: string;
}

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function scratchDatabase(adminUrl: string, label: string, opts: ScratchOptions = {}): Promise<ScratchDatabase> {
  const name = `${opts.prefix ?? 'citi_sync'}_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${opts.template ?? 'template0'}`));
  const url = databaseUrl(adminUrl, name);
  const db = await openDatabase({ url, poolSize: opts.poolSize ?? 5, applicationName: opts.applicationName ?? 'citi-sync-test' });
  if (opts.migrated !== false) await migrate(db);
  let dropped = false;
  return {
    db,
    url,
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.close();
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** The database name of a postgres:// URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** The same server and credentials, another database. */
export function databaseUrl(baseUrl: string, database: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl, application_name: 'citi-sync-test-admin' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
