/**
 * analytics.holdings and analytics.net_worth (migration 0006), on server Postgres and PGlite: account
 * listings of two days fed through the sync's account storage, then the exact rows of both views.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CitiHolding } from '../../src/citi/types.ts';
import type { Database } from '../../src/db/database.ts';
import { isoDate } from '../../src/sync/dates.ts';
import { upsertAccounts } from '../../src/sync/sql/accounts.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { citiAccount, NO_BALANCES } from '../sync/usDocExampleAccounts.ts';
import { WEALTH_VIEW_COLUMNS } from './helpers.ts';

const holding = (symbol: string, quantity: string, price: string, value: string): CitiHolding => ({
  kind: 'holding', key: symbol, symbol, cusip: null, name: `${symbol} FUND`, quantity, price, value, currencyCode: 'USD', asOfDate: null,
  raw: { symbol, quantity, price, totalValueAmount: value },
});

const checking = citiAccount({
  accountId: 'chk', accountType: 'checking', currencyCode: 'USD', status: 'ACTIVE', balanceType: 'ASSET', currentBalance: '1000.50',
  balances: { ...NO_BALANCES, current: '1000.50' },
});
/** No balance type: an asset by its kind. Missing from the second day's listing. */
const savings = citiAccount({ accountId: 'sav', accountType: 'savings', currencyCode: 'USD', currentBalance: '100', balances: { ...NO_BALANCES, current: '100' } });
const card = (owed: string) =>
  citiAccount({
    accountId: 'card', accountType: 'creditCard', currencyCode: 'USD', balanceType: 'LIABILITY', currentBalance: owed, creditLimit: '5000',
    balances: { ...NO_BALANCES, current: owed, creditLimit: '5000', availableCredit: String(5000 - Number(owed)) },
  });
/** Asia-Pacific, no classification: a liability by its kind, counted by its outstanding balance. */
const sgLoan = citiAccount({
  accountId: 'loan-sg', accountType: 'loan', currencyCode: 'SGD', currentBalance: '750', balances: { ...NO_BALANCES, outstanding: '750' },
});
/** No currency of its own: its holdings' (USD). */
const brokerage = (value: string, holdings: CitiHolding[]) =>
  citiAccount({ accountId: 'brk', accountType: 'brokerage', balanceType: 'ASSET', balances: { ...NO_BALANCES, portfolioValue: value }, holdings });

async function seed(db: Database): Promise<{ day2: string; day1: string }> {
  await db.query(`INSERT INTO citi_sync.connections (id, refresh_token_enc) VALUES ('c1', 'v1.x')`);
  // Noon of the two days before today in the session's time zone, the one the views' days are in.
  const { rows } = await db.query<{ d2: Date; d1: Date }>(
    `SELECT (current_date - 2 + time '12:00')::timestamptz AS d2, (current_date - 1 + time '12:00')::timestamptz AS d1`,
  );
  const { d2, d1 } = rows[0]!;
  await db.transaction((tx) =>
    upsertAccounts(tx, 'c1', [checking, savings, card('200.25'), sgLoan, brokerage('4000', [holding('AAA', '10', '400', '4000')])], d2),
  );
  await db.transaction((tx) =>
    upsertAccounts(
      tx, 'c1',
      [checking, card('300'), sgLoan, brokerage('5000', [holding('AAA', '12', '400', '4800'), holding('BBB', '1', '200', '200')])],
      d1,
    ),
  );
  return { day2: isoDate(d2), day1: isoDate(d1) };
}

async function answers(db: Database) {
  const rows = async (sql: string) => (await db.query(sql)).rows;
  return {
    netWorth: await rows(
      `SELECT connection_id, day - current_date AS day_offset, currency_code, assets, liabilities, net, accounts
         FROM analytics.net_worth ORDER BY day, currency_code`,
    ),
    holdings: await rows(`SELECT * FROM analytics.holdings ORDER BY as_of_date, holding_key`),
    balanceTypes: await rows(`SELECT account_id, balance_type FROM analytics.accounts ORDER BY account_id`),
    card: await rows(
      `SELECT current_balance, balance_type, currency_code, available_credit, credit_limit FROM analytics.balance_history
        WHERE account_id = 'card' ORDER BY as_of`,
    ),
  };
}

const backends = [
  ['postgres', createTestDatabase],
  ['pglite', createPgliteTestDatabase],
] as const;

const results: Record<string, unknown> = {};

describe.each(backends)('holdings and net worth on %s', (name, create) => {
  let t: TestDatabase;
  let days: { day2: string; day1: string };
  beforeAll(async () => {
    t = await create();
    days = await seed(t.db);
    results[name] = await answers(t.db);
  });
  afterAll(() => t.drop());

  it('have exactly the documented columns, in order', async () => {
    const { rows } = await t.db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'analytics' AND table_name = ANY($1) ORDER BY table_name, ordinal_position`,
      [Object.keys(WEALTH_VIEW_COLUMNS)],
    );
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.table_name] ??= []).push(r.column_name);
    expect(actual).toEqual(WEALTH_VIEW_COLUMNS);
  });

  it('net_worth: assets, liabilities and net per day and currency, by the documented rule', async () => {
    const row = (day_offset: number, currency_code: string, assets: string, liabilities: string, net: string, accounts: number) => ({
      connection_id: 'c1', day_offset, currency_code, assets, liabilities, net, accounts,
    });
    expect((await answers(t.db)).netWorth).toEqual([
      row(-2, 'SGD', '0', '750', '-750', 1),
      // checking 1000.50 + savings 100 + brokerage 4000; the card owes 200.25.
      row(-2, 'USD', '5100.50', '200.25', '4900.25', 4),
      row(-1, 'SGD', '0', '750', '-750', 1),
      // The savings account left the listing; the card owes 300 now, the portfolio is worth 5000.
      row(-1, 'USD', '6000.50', '300', '5700.50', 3),
      row(0, 'SGD', '0', '750', '-750', 1),
      row(0, 'USD', '6000.50', '300', '5700.50', 3),
    ]);
  });

  it('holdings: every snapshot, the latest marked', async () => {
    const row = (as_of_date: string, symbol: string, quantity: string, price: string, value: string, is_latest: boolean) => ({
      connection_id: 'c1', account_id: 'brk', as_of_date, kind: 'holding', holding_key: symbol, symbol, cusip: null, name: `${symbol} FUND`,
      quantity, price, value, currency_code: 'USD', valued_as_of: null, is_latest,
    });
    expect((await answers(t.db)).holdings).toEqual([
      row(days.day2, 'AAA', '10', '400', '4000', false),
      row(days.day1, 'AAA', '12', '400', '4800', true),
      row(days.day1, 'BBB', '1', '200', '200', true),
    ]);
  });

  it('accounts and balance_history show the new columns at the end', async () => {
    const r = await answers(t.db);
    expect(r.balanceTypes).toEqual([
      { account_id: 'brk', balance_type: 'ASSET' },
      { account_id: 'card', balance_type: 'LIABILITY' },
      { account_id: 'chk', balance_type: 'ASSET' },
      { account_id: 'loan-sg', balance_type: null },
      { account_id: 'sav', balance_type: null },
    ]);
    expect(r.card).toEqual([
      { current_balance: '200.25', balance_type: 'LIABILITY', currency_code: 'USD', available_credit: '4799.75', credit_limit: '5000' },
      { current_balance: '300', balance_type: 'LIABILITY', currency_code: 'USD', available_credit: '4700', credit_limit: '5000' },
    ]);
  });

  it('answer the same rows as the other backend', () => {
    if (name !== 'pglite') return;
    expect(results.pglite).toEqual(results.postgres);
  });
});
