/**
 * A fresh, migrated database for runs outside vitest (`npm run chaos`), where test/helpers/db.ts (it
 * needs vitest's inject) is not available. Inside vitest, scenarios get createTestDatabase() instead.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../../src/db/open.ts';
import type { Database } from '../../../src/db/database.ts';
import { migrate } from '../../../src/db/migrate.ts';

export interface ScratchDatabase {
  db: Database;
  /** postgres:// URL for child processes. */
  url: string;
  /** The database's name (to scope pg_stat_activity queries to this run only). */
  name: string;
  drop(): Promise<void>;
}

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function scratchDatabase(adminUrl: string, label = 'chaos'): Promise<ScratchDatabase> {
  const name = `citi_sync_${label}_${randomBytes(5).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0`));
  const url = databaseUrl(adminUrl, name);
  const db = await openDatabase({ url, poolSize: 5, applicationName: 'citi-sync-reliability' });
  await migrate(db);
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

export function databaseUrl(baseUrl: string, database: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl, application_name: 'citi-sync-reliability-admin' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
