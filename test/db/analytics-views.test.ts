import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/db/errors.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { ANALYST_VIEW_COLUMNS, WEALTH_VIEW_COLUMNS } from '../analytics/helpers.ts';

/** The public contract: BI tools depend on these names and their order. */
const VIEW_COLUMNS: Record<string, string[]> = {
  accounts: [
    'connection_id', 'account_id', 'account_group', 'account_type', 'product_name', 'nickname',
    'display_account_number', 'currency_code', 'status', 'current_balance', 'available_balance', 'balance_as_of',
    // Migration 0006 appended:
    'balance_type',
  ],
  balance_history: [
    'connection_id', 'account_id', 'as_of', 'current_balance', 'available_balance',
    // Migration 0006 appended:
    'balance_type', 'currency_code', 'outstanding_balance', 'available_credit', 'credit_limit', 'minimum_due',
    'payment_due_date', 'last_statement_balance', 'principal_balance', 'portfolio_value',
  ],
  statements: [
    'connection_id', 'account_id', 'statement_id', 'statement_date', 'beginning_balance', 'ending_balance',
    'total_debits', 'total_credits', 'minimum_due', 'payment_due_date',
  ],
  sync_runs: [
    'id', 'parent_id', 'connection_id', 'account_id', 'trigger', 'status', 'started_at', 'finished_at',
    'duration_seconds', 'requests', 'pages', 'rows_inserted', 'rows_updated', 'rows_unchanged', 'rows_removed', 'error',
    'warnings',
  ],
  transactions: [
    'connection_id', 'account_id', 'transaction_id', 'status', 'transaction_date', 'posting_date', 'amount',
    'currency_code', 'description', 'merchant_name', 'merchant_category_code', 'transaction_type', 'foreign_amount',
    'foreign_currency_code', 'first_seen_at', 'updated_at',
  ],
  // Migration 0002 (analyst views; test/analytics covers their behaviour).
  ...ANALYST_VIEW_COLUMNS,
  // Migration 0006 (holdings and net worth; test/analytics/wealth.test.ts covers their behaviour).
  ...WEALTH_VIEW_COLUMNS,
};

const backends = [
  ['postgres', createTestDatabase],
  ['pglite', createPgliteTestDatabase],
] as const;

describe.each(backends)('analytics views on %s', (_name, create) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await create();
  });
  afterAll(() => t.drop());

  it('exist with exactly the documented columns, in order, and nothing else', async () => {
    const { rows } = await t.db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'analytics' ORDER BY table_name, ordinal_position`,
    );
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.table_name] ??= []).push(r.column_name);
    expect(actual).toEqual(VIEW_COLUMNS);
    const kinds = await t.db.query<{ table_name: string; table_type: string }>(
      `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'analytics' ORDER BY 1`,
    );
    expect(kinds.rows.every((r) => r.table_type === 'VIEW')).toBe(true);
  });

  it('have a comment on every view and every column', async () => {
    const { rows } = await t.db.query<{ name: string }>(
      `SELECT c.relname || coalesce('.' || a.attname, '') AS name
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'analytics'
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE coalesce(col_description(c.oid, a.attnum), '') = '' OR coalesce(obj_description(c.oid, 'pg_class'), '') = ''`,
    );
    expect(rows).toEqual([]);
  });

  it('show live rows with derived columns and hide removed transactions', async () => {
    const db = t.db;
    await db.query(`INSERT INTO citi_sync.connections (id, access_token_enc, refresh_token_enc) VALUES ('c1', 'v1.secret', 'v1.secret')`);
    await db.query(
      `INSERT INTO citi_sync.accounts (connection_id, account_id, currency_code, current_balance, raw, last_seen_at)
       VALUES ('c1', 'a1', 'USD', '10.50', '{}', '2026-01-01T00:00:00Z'), ('c1', 'a2', 'USD', '1', '{}', '2026-01-02T00:00:00Z')`,
    );
    await db.query(
      `INSERT INTO citi_sync.balance_history (connection_id, account_id, as_of, current_balance)
       VALUES ('c1', 'a1', '2026-01-05T00:00:00Z', '10.50'), ('c1', 'a1', '2026-01-03T00:00:00Z', '9')`,
    );
    await db.query(
      `INSERT INTO citi_sync.transactions (connection_id, account_id, transaction_id, status, transaction_date, amount, currency_code, raw, removed_at)
       VALUES ('c1', 'a1', 'live', 'posted', '2026-01-04', '-12.22', 'USD', '{}', NULL),
              ('c1', 'a1', 'gone', 'pending', '2026-01-04', '-12.22', 'USD', '{}', now())`,
    );
    await db.query(
      `INSERT INTO citi_sync.sync_runs (connection_id, "trigger", status, started_at, finished_at)
       VALUES ('c1', 'cli', 'succeeded', '2026-01-05T00:00:00Z', '2026-01-05T00:00:01.5Z')`,
    );
    const accounts = await db.query(`SELECT account_id, balance_as_of FROM analytics.accounts ORDER BY account_id`);
    expect(accounts.rows).toEqual([
      { account_id: 'a1', balance_as_of: new Date('2026-01-05T00:00:00Z') },
      { account_id: 'a2', balance_as_of: new Date('2026-01-02T00:00:00Z') },
    ]);
    const txns = await db.query(`SELECT transaction_id, amount, transaction_date FROM analytics.transactions`);
    expect(txns.rows).toEqual([{ transaction_id: 'live', amount: '-12.22', transaction_date: '2026-01-04' }]);
    const runs = await db.query(`SELECT duration_seconds FROM analytics.sync_runs`);
    expect(runs.rows).toEqual([{ duration_seconds: '1.500' }]);
  });
});

describe('role citi_sync_reader (server Postgres)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db.query(`INSERT INTO citi_sync.connections (id, refresh_token_enc) VALUES ('c1', 'v1.secret')`);
  });
  afterAll(() => t.drop());

  it('exists, cannot log in, and reads every analytics view', async () => {
    const role = await t.db.query(`SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'citi_sync_reader'`);
    expect(role.rows).toEqual([{ rolcanlogin: false, rolsuper: false }]);
    await t.db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE citi_sync_reader');
      for (const view of Object.keys(VIEW_COLUMNS)) {
        await tx.query(`SELECT * FROM analytics.${view} LIMIT 1`);
      }
    });
  });

  it('cannot read citi_sync.connections (nor any private table)', async () => {
    for (const table of ['connections', 'transactions']) {
      const err = await t.db
        .transaction(async (tx) => {
          await tx.query('SET LOCAL ROLE citi_sync_reader');
          await tx.query(`SELECT * FROM citi_sync.${table}`);
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseError);
      expect((err as DatabaseError).condition).toBe('insufficient_privilege');
    }
  });
});
