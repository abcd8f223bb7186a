import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.ts';
import { MigrationRequiredError } from '../../src/db/errors.ts';
import { checkMigrated, migrate } from '../../src/db/migrate.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const run = promisify(execFile);
const MIGRATIONS = ['0000_init', '0001_analytics_views', '0002_analyst_views', '0003_transactions_without_fk', '0004_connection_schedule', '0005_connection_country', '0006_balances_and_holdings', '0007_holdings_and_net_worth_views', '0008_transactions_removed_idx', '0009_read_only_query', '0010_us_transaction_type_categories', '0011_statements_not_offered'];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function track(t: Promise<TestDatabase>): Promise<TestDatabase> {
  const d = await t;
  cleanups.push(d.drop);
  return d;
}

/** Every column of our two schemas, as the catalog shows it: compared across backends. */
const SCHEMA_SHAPE = `
  SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default
    FROM information_schema.columns
   WHERE table_schema IN ('citi_sync', 'analytics')
   ORDER BY table_schema, table_name, ordinal_position`;

describe('migrate', () => {
  it('applies every migration once and is idempotent', async () => {
    const { db } = await track(createTestDatabase({ migrated: false }));
    await expect(checkMigrated(db)).rejects.toBeInstanceOf(MigrationRequiredError);
    await migrate(db);
    await migrate(db);
    await checkMigrated(db);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(rows).toEqual([{ n: MIGRATIONS.length }]);
  });

  it('is safe when two sessions migrate an empty database at once', async () => {
    const { url, db } = await track(createTestDatabase({ migrated: false }));
    const a = await openDatabase({ url });
    const b = await openDatabase({ url });
    try {
      await Promise.all([migrate(a), migrate(b), migrate(db)]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(rows).toEqual([{ n: MIGRATIONS.length }]);
    await checkMigrated(db);
  });

  it('is safe when two processes migrate an empty database at once', async () => {
    const { url, db } = await track(createTestDatabase({ migrated: false }));
    const script = new URL('./fixtures/run-migrate.ts', import.meta.url).pathname;
    await Promise.all([1, 2].map(() => run(process.execPath, ['--import', 'tsx', script, url], { timeout: 60_000 })));
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(rows).toEqual([{ n: MIGRATIONS.length }]);
    await checkMigrated(db);
  });

  it('reports a database behind the migrations folder', async () => {
    const { db } = await track(createTestDatabase());
    await db.query('DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)');
    const err = await checkMigrated(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationRequiredError);
    expect((err as MigrationRequiredError).pending).toBe(1);
    expect((err as Error).message).toMatch(/1 migration\(s\) behind: run `citi-sync migrate` first/);
  });

  it('PGlite migrates with the same SQL to the same tables, columns and defaults', async () => {
    const server = await track(createTestDatabase());
    const embedded = await track(createPgliteTestDatabase({ migrated: false }));
    await expect(checkMigrated(embedded.db)).rejects.toBeInstanceOf(MigrationRequiredError);
    await migrate(embedded.db);
    await migrate(embedded.db); // idempotent there too
    await checkMigrated(embedded.db);
    const [a, b] = await Promise.all([server.db.query(SCHEMA_SHAPE), embedded.db.query(SCHEMA_SHAPE)]);
    expect(a.rows.length).toBeGreaterThan(100);
    expect(b.rows).toEqual(a.rows);
  });
});
