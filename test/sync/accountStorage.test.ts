/**
 * Storing an account listing (src/sync/sql/accounts.ts, holdings.ts): every kind's balances in
 * balance_history, holdings as daily snapshots, on server Postgres and PGlite. Exact rows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CitiAccount, CitiHolding } from '../../src/citi/types.ts';
import type { Queryable } from '../../src/db/database.ts';
import { syncConnection } from '../../src/sync/index.ts';
import { upsertAccounts } from '../../src/sync/sql/accounts.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { harness } from './harness.ts';
import {
  brokerage,
  CARD_ID,
  LOAN_ID,
  REPEATED_ID,
  RETIREMENT_ID,
  US_DOC_EXAMPLE_ACCOUNTS,
} from './usDocExampleAccounts.ts';

const T0 = new Date('2026-03-01T15:00:00Z');
const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);

/** Every stored row of the four tables the listing writes, in a stable order. */
async function dump(q: Queryable) {
  const rows = async (sql: string) => (await q.query(sql)).rows;
  return {
    accounts: await rows(
      `SELECT account_id, account_type, product_name, currency_code, status, balance_type, current_balance, available_balance,
              credit_limit, first_seen_at, updated_at
         FROM citi_sync.accounts ORDER BY account_id`,
    ),
    balanceHistory: await rows(
      `SELECT account_id, as_of, current_balance, available_balance, balance_type, currency_code, outstanding_balance, available_credit,
              credit_limit, minimum_due, payment_due_date, last_statement_balance, principal_balance, portfolio_value
         FROM citi_sync.balance_history ORDER BY account_id, as_of`,
    ),
    snapshots: await rows(`SELECT account_id, as_of_date, holdings FROM citi_sync.holding_snapshots ORDER BY account_id, as_of_date`),
    holdings: await rows(
      `SELECT account_id, as_of_date, holding_key, kind, symbol, cusip, name, quantity, price, value, currency_code, valued_as_of, raw
         FROM citi_sync.holdings ORDER BY account_id, as_of_date, holding_key`,
    ),
  };
}

/** A balance_history row with every balance column null unless given. */
const balanceRow = (r: Record<string, unknown>) => ({
  current_balance: null, available_balance: null, balance_type: null, currency_code: null, outstanding_balance: null,
  available_credit: null, credit_limit: null, minimum_due: null, payment_due_date: null, last_statement_balance: null,
  principal_balance: null, portfolio_value: null, ...r,
});

const CAIFX = brokerage.holdings[0]!;
const withHoldings = (a: CitiAccount, holdings: CitiHolding[], portfolioValue: string): CitiAccount => ({
  ...a,
  holdings,
  balances: { ...a.balances, portfolioValue },
});

const backends = [
  ['postgres', createTestDatabase],
  ['pglite', createPgliteTestDatabase],
] as const;

describe.each(backends)('storing account listings on %s', (_name, create) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await create();
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    await t.db.query(`DELETE FROM citi_sync.connections`);
    await t.db.query(`INSERT INTO citi_sync.connections (id, refresh_token_enc) VALUES ('c1', 'v1.x')`);
  });

  it("stores Citi's US example: the first account of a repeated id, every balance, the plan component", async () => {
    const result = await t.db.transaction((tx) => upsertAccounts(tx, 'c1', US_DOC_EXAMPLE_ACCOUNTS, T0));
    expect(result).toEqual({ repeatedAccountIds: [REPEATED_ID], holdingsChanged: [RETIREMENT_ID] });
    const d = await dump(t.db);
    expect(d.accounts).toEqual([
      {
        account_id: CARD_ID, account_type: 'creditCard', product_name: 'Citi Rewards+? Card', currency_code: 'USD', status: 'ACTIVE',
        balance_type: 'LIABILITY', current_balance: '10000.25', available_balance: null, credit_limit: '20000', first_seen_at: T0, updated_at: T0,
      },
      {
        account_id: RETIREMENT_ID, account_type: 'retirement', product_name: 'Rollover IRA', currency_code: null, status: 'ACTIVE',
        balance_type: 'ASSET', current_balance: null, available_balance: null, credit_limit: null, first_seen_at: T0, updated_at: T0,
      },
      {
        account_id: LOAN_ID, account_type: 'loan', product_name: 'Personal Loan', currency_code: 'USD', status: null,
        balance_type: 'LIABILITY', current_balance: '10000', available_balance: null, credit_limit: null, first_seen_at: T0, updated_at: T0,
      },
      {
        account_id: REPEATED_ID, account_type: 'checking', product_name: 'Business Checking', currency_code: 'USD', status: 'ACTIVE',
        balance_type: 'ASSET', current_balance: '10000.25', available_balance: '15000.25', credit_limit: null, first_seen_at: T0, updated_at: T0,
      },
    ]);
    expect(d.balanceHistory).toEqual([
      balanceRow({
        account_id: CARD_ID, as_of: T0, current_balance: '10000.25', balance_type: 'LIABILITY', currency_code: 'USD', available_credit: '15000',
        credit_limit: '20000', minimum_due: '1500', payment_due_date: '2017-03-27', last_statement_balance: '5000.25',
      }),
      // No currency of its own: the plan component's.
      balanceRow({ account_id: RETIREMENT_ID, as_of: T0, balance_type: 'ASSET', currency_code: 'USD', portfolio_value: '9000.15' }),
      balanceRow({
        account_id: LOAN_ID, as_of: T0, current_balance: '10000', balance_type: 'LIABILITY', currency_code: 'USD', available_credit: '9000',
        minimum_due: '400', payment_due_date: '2017-03-27', principal_balance: '10000',
      }),
      balanceRow({ account_id: REPEATED_ID, as_of: T0, current_balance: '10000.25', available_balance: '15000.25', balance_type: 'ASSET', currency_code: 'USD' }),
    ]);
    expect(d.snapshots).toEqual([{ account_id: RETIREMENT_ID, as_of_date: '2026-03-01', holdings: 1 }]);
    expect(d.holdings).toEqual([
      {
        account_id: RETIREMENT_ID, as_of_date: '2026-03-01', holding_key: 'Variable CD-2766', kind: 'plan-component', symbol: null, cusip: null,
        name: 'Variable CD-2766', quantity: null, price: null, value: '4676.36', currency_code: 'USD', valued_as_of: '2020-04-10',
        raw: {
          componentName: 'Variable CD-2766', currencyCode: 'USD', currentTerms: '2 years', totalValueAmount: 4676.36, interestPaidYTD: 324.12,
          nextMaturityDate: '2020-06-03',
        },
      },
    ]);
  });

  it('a second write of the same listing, later that day or the next, writes nothing but last_seen_at', async () => {
    await t.db.transaction((tx) => upsertAccounts(tx, 'c1', US_DOC_EXAMPLE_ACCOUNTS, T0));
    const before = await dump(t.db);
    for (const at of [hours(2), hours(24)]) {
      const again = await t.db.transaction((tx) => upsertAccounts(tx, 'c1', US_DOC_EXAMPLE_ACCOUNTS, at));
      expect(again).toEqual({ repeatedAccountIds: [REPEATED_ID], holdingsChanged: [] });
    }
    expect(await dump(t.db)).toEqual(before);
    const seen = await t.db.query(`SELECT DISTINCT last_seen_at FROM citi_sync.accounts`);
    expect(seen.rows).toEqual([{ last_seen_at: hours(24) }]);
  });

  it('keeps one snapshot per day on which the holdings changed, and records a day with none left', async () => {
    const account = { ...brokerage, accountId: 'brokerage-1035' };
    const repriced: CitiHolding = { ...CAIFX, price: '33', value: '330', raw: { ...CAIFX.raw, price: 33, totalValueAmount: 330 } };
    const secondLot: CitiHolding = { ...CAIFX, quantity: '5', value: '165', raw: { ...CAIFX.raw, quantity: 5, totalValueAmount: 165 } };
    const steps: Array<[Date, CitiAccount, string[]]> = [
      [hours(0), withHoldings(account, [CAIFX], '3643150.72'), ['brokerage-1035']],
      // Same day, new price: that day's snapshot is replaced.
      [hours(2), withHoldings(account, [repriced], '3643156.62'), ['brokerage-1035']],
      // Next day, a second lot of the same symbol: two rows.
      [hours(24), withHoldings(account, [repriced, secondLot], '3643321.62'), ['brokerage-1035']],
      [hours(48), withHoldings(account, [repriced, secondLot], '3643321.62'), []],
      // Everything sold: a snapshot with no holdings, and the currency stays the one last known.
      [hours(72), withHoldings(account, [], '0'), ['brokerage-1035']],
      [hours(96), withHoldings(account, [], '0'), []],
    ];
    for (const [at, listed, changed] of steps) {
      const result = await t.db.transaction((tx) => upsertAccounts(tx, 'c1', [listed], at));
      expect(result.holdingsChanged).toEqual(changed);
    }
    const d = await dump(t.db);
    expect(d.snapshots).toEqual([
      { account_id: 'brokerage-1035', as_of_date: '2026-03-01', holdings: 1 },
      { account_id: 'brokerage-1035', as_of_date: '2026-03-02', holdings: 2 },
      { account_id: 'brokerage-1035', as_of_date: '2026-03-04', holdings: 0 },
    ]);
    const holding = (asOfDate: string, key: string, h: CitiHolding) => ({
      account_id: 'brokerage-1035', as_of_date: asOfDate, holding_key: key, kind: 'holding', symbol: 'CAIFX', cusip: '140194101',
      name: 'American Funds Capital Income Builder.', quantity: h.quantity, price: h.price, value: h.value, currency_code: 'USD',
      valued_as_of: '2020-01-21', raw: h.raw,
    });
    expect(d.holdings).toEqual([
      holding('2026-03-01', 'CAIFX', repriced),
      holding('2026-03-02', 'CAIFX', repriced),
      holding('2026-03-02', 'CAIFX#2', secondLot),
    ]);
    expect(d.balanceHistory).toEqual(
      [[hours(0), '3643150.72'], [hours(2), '3643156.62'], [hours(24), '3643321.62'], [hours(72), '0']].map(([as_of, value]) =>
        balanceRow({ account_id: 'brokerage-1035', as_of, balance_type: 'ASSET', currency_code: 'USD', portfolio_value: value }),
      ),
    );
  });

  it("stores any holdings Citi lists: a symbol like a repeat's key, a symbol too long for an index; the same listing again writes nothing", async () => {
    // Both used to fail the listing's transaction (23505, 54000), so no account of the connection was stored.
    const account = { ...brokerage, accountId: 'brokerage-odd' };
    const long = randomBytes(3000).toString('hex');
    const odd = (symbol: string): CitiHolding => ({ ...CAIFX, symbol, key: symbol, raw: { ...CAIFX.raw, symbol } });
    const listed = withHoldings(account, [odd('ZZZ'), odd('ZZZ'), odd('ZZZ#2'), odd(long), odd(long)], '1');
    expect((await t.db.transaction((tx) => upsertAccounts(tx, 'c1', [listed], T0))).holdingsChanged).toEqual(['brokerage-odd']);
    const keys = (await dump(t.db)).holdings.map((h) => [h.holding_key, h.symbol === long ? 'long' : h.symbol]).sort((a, b) => String(a[0]).localeCompare(String(b[0]), 'en'));
    const hashed = `sha:${createHash('sha256').update(long).digest('hex').slice(0, 32)}`;
    expect(keys).toEqual([
      [hashed, 'long'],
      [`${hashed}#2`, 'long'],
      ['ZZZ', 'ZZZ'],
      ['ZZZ#2', 'ZZZ#2'],
      ['ZZZ#3', 'ZZZ'],
    ]);
    expect((await t.db.transaction((tx) => upsertAccounts(tx, 'c1', [listed], hours(1)))).holdingsChanged).toEqual([]);
  });

  it('stores an Asia-Pacific card by its outstanding balance and classification', async () => {
    const sgCard: CitiAccount = {
      ...US_DOC_EXAMPLE_ACCOUNTS[2]!,
      accountId: 'SG-CARD',
      currencyCode: 'SGD',
      classification: 'LIABILITY',
      balanceType: 'LIABILITY',
      currentBalance: '610.41',
      creditLimit: '5000',
      balances: {
        current: null, available: null, outstanding: '610.41', availableCredit: '4389.59', creditLimit: '5000', minimumDue: '35',
        paymentDueDate: null, lastStatementBalance: null, principal: null, portfolioValue: null,
      },
      raw: { accountId: 'SG-CARD', outstandingBalance: 610.41 },
    };
    await upsertAccounts(t.db, 'c1', [sgCard], T0);
    expect((await dump(t.db)).balanceHistory).toEqual([
      balanceRow({
        account_id: 'SG-CARD', as_of: T0, current_balance: '610.41', balance_type: 'LIABILITY', currency_code: 'SGD', outstanding_balance: '610.41',
        available_credit: '4389.59', credit_limit: '5000', minimum_due: '35',
      }),
    ]);
  });
});

describe('a sync against the simulator (Postgres)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('stores one balance row per account with its balance type and currency; a second sync an hour later writes none', async () => {
    const h = await harness(t.db, { settings: { accountConcurrency: 2 } });
    try {
      await h.connect('c1');
      expect((await syncConnection(h.deps, 'c1', { trigger: 'cli' })).status).toBe('succeeded');
      const first = await dump(t.db);
      const listed = await t.db.query<{ account_id: string; currency_code: string | null; balance_type: string }>(
        `SELECT account_id, currency_code, balance_type FROM citi_sync.accounts ORDER BY account_id`,
      );
      expect(listed.rows.length).toBeGreaterThan(3);
      expect(listed.rows.every((a) => a.balance_type === 'ASSET' || a.balance_type === 'LIABILITY')).toBe(true);
      // An account without a currency of its own (brokerage, retirement) takes its holdings'.
      expect(first.balanceHistory.map((r) => [r.account_id, r.balance_type, r.currency_code])).toEqual(
        listed.rows.map((a) => [a.account_id, a.balance_type, a.currency_code ?? expect.anything()]),
      );
      const later = new Date(h.deps.now!().getTime() + 3_600_000);
      expect((await syncConnection({ ...h.deps, now: () => later }, 'c1', { trigger: 'cli' })).status).toBe('succeeded');
      expect(await dump(t.db)).toEqual(first);
    } finally {
      await h.close();
    }
  });
});
