/**
 * Migration 0002 on the embedded database: PGlite (Postgres 18) must build the same analyst views
 * as server Postgres 15 and answer the same rows from the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { ANALYST_VIEW_COLUMNS } from './helpers.ts';

/** Fixed data covering every rule: categories by override, MCC and type; a carried balance; a monthly series. */
const FIXTURE = [
  `INSERT INTO citi_sync.connections (id, refresh_token_enc) VALUES ('c1', 'v1.x')`,
  `INSERT INTO citi_sync.accounts (connection_id, account_id, currency_code, raw) VALUES ('c1', 'card', 'USD', '{}'), ('c1', 'yen', 'JPY', '{}')`,
  `INSERT INTO citi_sync.balance_history (connection_id, account_id, as_of, current_balance, available_balance) VALUES
     ('c1', 'card', current_date - 5 + time '10:00', '10.10', '989.90'),
     ('c1', 'card', current_date - 2 + time '09:00', '25.5', '974.5'),
     ('c1', 'card', current_date - 2 + time '18:00', '30', '970'),
     ('c1', 'yen', current_date - 1 + time '12:00', '5000', NULL)`,
  `INSERT INTO citi_sync.transactions (connection_id, account_id, transaction_id, status, transaction_date, amount, currency_code,
                                       merchant_name, merchant_category_code, transaction_type, description, raw) VALUES
     ('c1', 'card', 't1', 'posted', '2026-01-05', '-15.49', 'USD', 'NETFLIX.COM', '4899', 'PURCHASE', 'NETFLIX.COM', '{}'),
     ('c1', 'card', 't2', 'posted', '2026-02-05', '-15.49', 'USD', 'NETFLIX.COM', '4899', 'PURCHASE', 'NETFLIX.COM', '{}'),
     ('c1', 'card', 't3', 'posted', '2026-03-05', '-15.49', 'USD', 'NETFLIX.COM', '4899', 'PURCHASE', 'NETFLIX.COM', '{}'),
     ('c1', 'card', 't4', 'posted', '2026-02-10', '-42.00', 'USD', 'DAN SUNG SA', '5812', 'PURCHASE', 'DAN SUNG SA', '{}'),
     ('c1', 'card', 't5', 'pending', '2026-02-11', '-9.50', 'USD', 'STARBUCKS', '5814', 'PURCHASE', 'STARBUCKS', '{}'),
     ('c1', 'card', 't6', 'posted', '2026-02-20', '300', 'USD', NULL, NULL, 'PAYMENT', 'PAYMENT THANK YOU', '{}'),
     ('c1', 'card', 't7', 'posted', '2026-02-21', '-1', 'USD', NULL, NULL, 'MYSTERY', 'SOMETHING', '{}'),
     ('c1', 'yen', 'y1', 'posted', '2026-02-12', '-1200', 'JPY', 'SUSHI', '5812', 'PURCHASE', 'SUSHI', '{}'),
     ('c1', 'yen', 'y2', 'posted', '2026-02-13', '250000', 'JPY', NULL, NULL, 'DEPOSIT', 'PAYROLL', '{}')`,
  `INSERT INTO citi_sync.category_overrides (merchant_category_code, category) VALUES ('5814', 'coffee')`,
  `INSERT INTO citi_sync.merchant_category_overrides (merchant_name, category) VALUES ('SUSHI', 'treats')`,
];

const backends = [
  ['postgres', createTestDatabase],
  ['pglite', createPgliteTestDatabase],
] as const;

const results: Record<string, Record<string, unknown[]>> = {};

describe.each(backends)('analyst views on %s', (name, create) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await create();
  });
  afterAll(() => t.drop());

  it('exist with the documented columns and answer the fixture', async () => {
    const columns = await t.db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'analytics' AND table_name = ANY($1) ORDER BY table_name, ordinal_position`,
      [Object.keys(ANALYST_VIEW_COLUMNS)],
    );
    const actual: Record<string, string[]> = {};
    for (const r of columns.rows) (actual[r.table_name] ??= []).push(r.column_name);
    expect(actual).toEqual(ANALYST_VIEW_COLUMNS);

    results[name] = await answers(t.db);
    const r = results[name];
    expect(r.transactions_categorized!.map((x) => (x as { category: string }).category)).toEqual([
      'telecom & streaming', 'telecom & streaming', 'telecom & streaming', 'restaurants', 'coffee', 'payments & transfers', 'uncategorized', 'treats', 'income',
    ]);
    expect(r.recurring).toEqual([
      {
        connection_id: 'c1', account_id: 'card', currency_code: 'USD', merchant_name: 'NETFLIX.COM', category: 'telecom & streaming', occurrences: 3,
        typical_amount: '-15.49', interval_days: 28, first_seen: '2026-01-05', last_seen: '2026-03-05', next_expected: '2026-04-05',
      },
    ]);
    const card = (r.daily_balances as Array<{ account_id: string; day_offset: number; current_balance: string }>).filter((d) => d.account_id === 'card');
    expect(card.map((d) => [d.day_offset, d.current_balance])).toEqual([[-5, '10.10'], [-4, '10.10'], [-3, '10.10'], [-2, '30'], [-1, '30'], [0, '30']]);
    expect(r.monthly_cashflow).toContainEqual({
      connection_id: 'c1', account_id: 'yen', currency_code: 'JPY', month: '2026-02-01', category: 'income', money_in: '250000', money_out: '0', net: '250000', transactions: 1,
    });
  });

  it('answers the same rows as the other backend', () => {
    if (name !== 'pglite') return;
    expect(results.pglite).toEqual(results.postgres);
  });
});

/** Every row of every analyst view over the fixture, in a fixed time zone (days depend on it). */
async function answers(db: Database): Promise<Record<string, unknown[]>> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL TimeZone = 'UTC'`);
    for (const sql of FIXTURE) await tx.query(sql);
    const out: Record<string, unknown[]> = {};
    out.transactions_categorized = (
      await tx.query(`SELECT transaction_id, category FROM analytics.transactions_categorized ORDER BY account_id, transaction_id`)
    ).rows;
    out.daily_balances = (
      await tx.query(
        `SELECT connection_id, account_id, currency_code, day - current_date AS day_offset, current_balance, available_balance
           FROM analytics.daily_balances ORDER BY account_id, day`,
      )
    ).rows;
    out.monthly_cashflow = (await tx.query(`SELECT * FROM analytics.monthly_cashflow ORDER BY account_id, month, category`)).rows;
    out.recurring = (await tx.query(`SELECT * FROM analytics.recurring ORDER BY account_id, merchant_name`)).rows;
    return out;
  });
}
