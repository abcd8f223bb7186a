/** Fresh databases for the bench: one per scenario, created migrated and dropped after. */
import type { Database } from '../../src/db/database.ts';
import { scratchDatabase, withAdmin, type ScratchDatabase } from '../../test/helpers/scratchDb.ts';

export type BenchDatabase = ScratchDatabase;
export { withAdmin };

/** A new database `citi_bench_<label>_<random>`, migrated unless told otherwise. */
export function createBenchDatabase(adminUrl: string, label: string, opts: { migrated?: boolean } = {}): Promise<BenchDatabase> {
  return scratchDatabase(adminUrl, label, { prefix: 'citi_bench', poolSize: 4, applicationName: 'citi-sync-bench-harness', migrated: opts.migrated ?? true });
}

export interface TableWrites {
  inserted: number;
  updated: number;
  deleted: number;
}

/**
 * Cumulative row writes to citi_sync.transactions from the statistics system. Backends flush their
 * counters when they go idle or exit: call this after the writers have disconnected. The short wait
 * lets the server finish tearing down the pipeline's sessions.
 */
export async function transactionWrites(db: Database): Promise<TableWrites> {
  await new Promise((r) => setTimeout(r, 300));
  await db.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await db.withSession(async (s) => {
    await s.query('SELECT pg_stat_clear_snapshot()');
    return s.query<{ ins: string; upd: string; del: string }>(
      `SELECT n_tup_ins::text AS ins, n_tup_upd::text AS upd, n_tup_del::text AS del
         FROM pg_stat_user_tables WHERE schemaname = 'citi_sync' AND relname = 'transactions'`,
    );
  });
  const r = rows[0];
  return { inserted: Number(r?.ins ?? 0), updated: Number(r?.upd ?? 0), deleted: Number(r?.del ?? 0) };
}

export const writesBetween = (a: TableWrites, b: TableWrites): TableWrites => ({
  inserted: b.inserted - a.inserted,
  updated: b.updated - a.updated,
  deleted: b.deleted - a.deleted,
});

/** The current transaction id, to count later "rows whose xmin is newer" (an exact, stats-free check). */
export async function currentXid(db: Database): Promise<string> {
  const { rows } = await db.query<{ x: string }>(`SELECT pg_current_xact_id()::text AS x`);
  return rows[0]!.x;
}

export async function rowsWrittenSince(db: Database, xid: string): Promise<number> {
  // xid8 -> the 32-bit xid stored in xmin; a fresh bench database is far from wraparound.
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM citi_sync.transactions WHERE age(xmin) < age(($1::xid8::text::bigint % 4294967296)::text::xid)`,
    [xid],
  );
  return rows[0]!.n;
}
