/**
 * The database floor and the naive writer, both fed the exact rows the engine stored:
 * - floor: `COPY … FROM STDIN` of every row into a fresh copy of the same table (same indexes,
 *   same foreign key), the fastest way Postgres takes rows in;
 * - naive: one autocommitted `INSERT … ON CONFLICT DO UPDATE` per row, as sample apps do.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

const TABLE = 'citi_sync.transactions';
/** Parents the transactions table's foreign key needs, copied first and not timed. */
const PARENTS = ['citi_sync.connections', 'citi_sync.accounts'];

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'citi-sync-bench-floor' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function copyOut(c: pg.Client, sql: string, file: string): Promise<void> {
  await pipeline(c.query(copyTo(`COPY ${sql} TO STDOUT`)), createWriteStream(file));
}

async function copyIn(c: pg.Client, table: string, file: string): Promise<void> {
  await pipeline(createReadStream(file), c.query(copyFrom(`COPY ${table} FROM STDIN`)));
}

/** Dumps the engine's rows (and their parents) to files in `dir`, in COPY text format. */
export async function exportRows(sourceUrl: string, dir: string): Promise<void> {
  await withClient(sourceUrl, async (c) => {
    for (const t of PARENTS) await copyOut(c, t, `${dir}/${t}.copy`);
    await copyOut(c, TABLE, `${dir}/${TABLE}.copy`);
  });
}

export async function copyFloor(targetUrl: string, dir: string): Promise<{ ms: number; rows: number }> {
  return withClient(targetUrl, async (c) => {
    for (const t of PARENTS) await copyIn(c, t, `${dir}/${t}.copy`);
    const t0 = performance.now();
    await copyIn(c, TABLE, `${dir}/${TABLE}.copy`);
    const ms = performance.now() - t0;
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE}`);
    return { ms, rows: rows[0]!.n };
  });
}

/** The issue's eight core columns, keyed on (account, id) as the floor's table is. */
const CORE = 'account_id, transaction_id, status, transaction_date, posting_date, amount, currency_code, description';

/** Dumps the core columns of the engine's rows to `dir` (COPY text), for coreCopyFloor. */
export async function exportCoreRows(sourceUrl: string, dir: string): Promise<void> {
  await withClient(sourceUrl, (c) => copyOut(c, `(SELECT ${CORE} FROM ${TABLE})`, `${dir}/core.copy`));
}

/** COPY of the core columns into a bare table keyed on (account_id, transaction_id). */
export async function coreCopyFloor(targetUrl: string, dir: string): Promise<{ ms: number; rows: number }> {
  return withClient(targetUrl, async (c) => {
    await c.query(
      `CREATE TABLE core (account_id text, transaction_id text, status text, transaction_date date, posting_date date,
         amount numeric, currency_code text, description text, PRIMARY KEY (account_id, transaction_id))`,
    );
    const t0 = performance.now();
    await copyIn(c, `core (${CORE})`, `${dir}/core.copy`);
    const ms = performance.now() - t0;
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM core`);
    return { ms, rows: rows[0]!.n };
  });
}

export interface NaiveInput {
  targetUrl: string;
  /** Where exportRows put the parents (connections, accounts). */
  dir: string;
  connectionId: string;
  /** Stop after the account during which this many rows were written. */
  rowLimit: number;
  /** Yields the rows to write, account by account, page by page. */
  pages: () => AsyncIterable<{ accountId: string; rows: Array<Record<string, unknown>> }>;
}

export async function naiveInsert(input: NaiveInput): Promise<{ ms: number; rows: number; accounts: number }> {
  return withClient(input.targetUrl, async (c) => {
    for (const t of PARENTS) await copyIn(c, t, `${input.dir}/${t}.copy`);
    let rows = 0;
    const accounts = new Set<string>();
    let sql: string | undefined;
    const t0 = performance.now();
    for await (const page of input.pages()) {
      if (rows >= input.rowLimit && !accounts.has(page.accountId)) break;
      accounts.add(page.accountId);
      for (const rec of page.rows) {
        const cols = Object.keys(rec);
        sql ??= `INSERT INTO ${TABLE} (connection_id, account_id, ${cols.join(', ')})
                 VALUES (${['$1', '$2', ...cols.map((_, i) => `$${i + 3}`)].join(', ')})
                 ON CONFLICT (connection_id, account_id, transaction_id) DO UPDATE SET
                 ${cols.filter((n) => n !== 'transaction_id').map((n) => `${n} = excluded.${n}`).join(', ')}, updated_at = now()`;
        const values = cols.map((k) => (k === 'raw' ? JSON.stringify(rec[k]) : rec[k]));
        await c.query(sql, [input.connectionId, page.accountId, ...values]);
        rows += 1;
      }
    }
    return { ms: performance.now() - t0, rows, accounts: accounts.size };
  });
}
