/**
 * The analyst views (migration 0002) on real Postgres, over the simulator's data synced the way the
 * demo does it: exact columns, categories and their precedence, gap-free daily balances, cash flow
 * that adds up per currency, and the simulator's monthly subscriptions found as recurring.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_SUBSCRIPTIONS, CURRENCIES, TEMPLATES } from '../../src/sandbox/catalog.ts';
import { marketOf } from '../../src/sandbox/market.ts';
import { TEST_COUNTRY } from '../helpers/country.ts';
import { syncConnection } from '../../src/sync/index.ts';
import { ANALYST_VIEW_COLUMNS, syncedDatabase, type Synced } from './helpers.ts';

let s: Synced;
beforeAll(async () => {
  s = await syncedDatabase('c1');
});
afterAll(() => s.close());

/**
 * The suite's market (`CITI_COUNTRY`): its home currency stands where the US has USD, and only the US
 * dialect serves brokerage, retirement and the US v2 type names.
 */
const market = marketOf(TEST_COUNTRY);
const us = market.dialect === 'us-v2';
const home = CURRENCIES[market.currency]!;
const CURRENCY_MIX = ['BHD', 'JPY', market.currency].sort();

const q = async <T extends object>(sql: string, params: unknown[] = []): Promise<T[]> => (await s.t.db.query<T>(sql, params)).rows;

describe('analyst views', () => {
  it('have exactly the documented columns, in order', async () => {
    const rows = await q<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'analytics' AND table_name = ANY($1) ORDER BY table_name, ordinal_position`,
      [Object.keys(ANALYST_VIEW_COLUMNS)],
    );
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.table_name] ??= []).push(r.column_name);
    expect(actual).toEqual(ANALYST_VIEW_COLUMNS);
  });

  it('every analytics view and every column of it has a comment', async () => {
    const rows = await q<{ name: string }>(
      `SELECT c.relname || coalesce('.' || a.attname, '') AS name
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'analytics'
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE coalesce(col_description(c.oid, a.attnum), '') = '' OR coalesce(obj_description(c.oid, 'pg_class'), '') = ''`,
    );
    expect(rows).toEqual([]);
    const views = await q<{ n: number }>(`SELECT count(*)::int AS n FROM pg_views WHERE schemaname = 'analytics'`);
    expect(views).toEqual([{ n: 11 }]);
  });

  it('citi_sync_reader can read the new views', async () => {
    await s.t.db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE citi_sync_reader');
      for (const view of Object.keys(ANALYST_VIEW_COLUMNS)) await tx.query(`SELECT * FROM analytics.${view} LIMIT 1`);
    });
  });

  describe('transactions_categorized', () => {
    it('has every live transaction exactly once, with the same values as analytics.transactions', async () => {
      const diff = await q(
        `(SELECT connection_id, account_id, transaction_id, status, transaction_date, posting_date, amount, currency_code, description,
                 merchant_name, merchant_category_code, transaction_type, foreign_amount, foreign_currency_code, first_seen_at, updated_at
            FROM analytics.transactions_categorized
          EXCEPT ALL SELECT * FROM analytics.transactions)
         UNION ALL
         (SELECT * FROM analytics.transactions
          EXCEPT ALL SELECT connection_id, account_id, transaction_id, status, transaction_date, posting_date, amount, currency_code, description,
                 merchant_name, merchant_category_code, transaction_type, foreign_amount, foreign_currency_code, first_seen_at, updated_at
            FROM analytics.transactions_categorized)`,
      );
      expect(diff).toEqual([]);
      const [n] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM analytics.transactions_categorized`);
      expect(n!.n).toBeGreaterThan(1000);
    });

    it('assigns categories from the MCC, else from the transaction type', async () => {
      const rows = await q<{ mcc: string | null; type: string; category: string }>(
        `SELECT DISTINCT coalesce(merchant_category_code, '-') AS mcc, transaction_type AS type, category
           FROM analytics.transactions_categorized ORDER BY 1, 2, 3`,
      );
      const byKey = Object.fromEntries(rows.map((r) => [`${r.mcc} ${r.type}`, r.category]));
      expect(byKey).toMatchObject({
        '5812 PURCHASE': 'restaurants',
        '5814 PURCHASE': 'restaurants',
        '5411 PURCHASE': 'groceries',
        '5542 PURCHASE': 'fuel',
        '4121 PURCHASE': 'transit',
        '4900 PAYMENT': 'utilities',
        '4814 PAYMENT': 'telecom & streaming',
        '5912 PURCHASE': 'health',
        '- PAYMENT': 'payments & transfers',
        '- TRANSFER': 'payments & transfers',
        '- DEPOSIT': 'income',
        '- WITHDRAWAL': 'cash',
        // The US v2 spec's own type names (contract §4): savings interest, card fees and interest,
        // loan interest, line-of-credit cash advances.
        ...(us
          ? {
              '- DIVIDEND_AND_INTEREST': 'interest',
              '- FEES': 'fees & financial',
              '- INTEREST_CHARGES': 'interest',
              '- INTEREST_CHARGED': 'interest',
              '- CASH_ADVANCE': 'cash',
            }
          : {}),
      });
      // Every code the simulator uses has a category: nothing falls through to 'uncategorized'.
      expect(rows.filter((r) => r.category === 'uncategorized')).toEqual([]);
    });

    it("derives a category from every type of Citi's spec when a row has no MCC (US v2 and Asia-Pacific names)", async () => {
      const db = s.t.db;
      const expected: Record<string, string> = {
        // US v2 cards
        PAYMENT: 'payments & transfers', FEES: 'fees & financial', INTEREST_CHARGES: 'interest', CASH_ADVANCES: 'cash', CREDIT: 'refunds',
        ADJUSTMENT: 'uncategorized',
        // US v2 deposits
        DEPOSIT: 'income', TRANSFER: 'payments & transfers', WITHDRAWAL_OR_DEPOSIT: 'cash', WITHDRAWAL: 'cash',
        DIVIDEND_AND_INTEREST: 'interest', ADJUSTMENTS: 'uncategorized', TRANSACTION_VOID: 'uncategorized', FEE_WAIVED: 'fees & financial',
        OTHER: 'uncategorized',
        // US v2 loans (PURCHASE without an MCC says nothing more)
        PURCHASE: 'uncategorized', CASH_ADVANCE: 'cash', FEE: 'fees & financial', INTEREST_CHARGED: 'interest', PURCHASE_CREDIT: 'refunds',
        // Asia-Pacific
        CHECK: 'payments & transfers', INTEREST: 'interest',
      };
      await db.query(`INSERT INTO citi_sync.connections (id, refresh_token_enc) VALUES ('k1', 'v1.x')`);
      await db.query(`INSERT INTO citi_sync.accounts (connection_id, account_id, currency_code, raw) VALUES ('k1', 'a', 'USD', '{}')`);
      await db.query(
        `INSERT INTO citi_sync.transactions (connection_id, account_id, transaction_id, status, transaction_date, amount, currency_code, transaction_type, raw)
         SELECT 'k1', 'a', type, 'posted', date '2026-01-01', -1, 'USD', type, '{}' FROM unnest($1::text[]) AS type`,
        [Object.keys(expected)],
      );
      try {
        const rows = await q<{ transaction_type: string; category: string }>(
          `SELECT transaction_type, category FROM analytics.transactions_categorized WHERE connection_id = 'k1'`,
        );
        expect(Object.fromEntries(rows.map((r) => [r.transaction_type, r.category]))).toEqual(expected);
      } finally {
        await db.query(`DELETE FROM citi_sync.connections WHERE id = 'k1'`);
      }
    });

    it('an MCC override beats the default, a merchant override beats both; removing them restores the default', async () => {
      const categoryOf = async (merchant: string) =>
        (await q<{ category: string }>(`SELECT DISTINCT category FROM analytics.transactions_categorized WHERE merchant_name = $1`, [merchant])).map((r) => r.category);
      expect(await categoryOf('DAN SUNG SA')).toEqual(['restaurants']);
      await s.t.db.query(`INSERT INTO citi_sync.category_overrides (merchant_category_code, category) VALUES ('5812', 'dining out')`);
      try {
        expect(await categoryOf('DAN SUNG SA')).toEqual(['dining out']);
        expect(await categoryOf('SHAKE SHACK #1203')).toEqual(['restaurants']); // 5814: not overridden
        await s.t.db.query(`INSERT INTO citi_sync.merchant_category_overrides (merchant_name, category) VALUES ('DAN SUNG SA', 'korean bbq')`);
        expect(await categoryOf('DAN SUNG SA')).toEqual(['korean bbq']);
        expect(await categoryOf('CAFÉ DE FLORE')).toEqual(['dining out']);
        // Rows without a merchant name match on their description.
        await s.t.db.query(`INSERT INTO citi_sync.merchant_category_overrides (merchant_name, category) VALUES ('RENT - OAKWOOD PROPERTIES', 'housing')`);
        const rent = await q<{ category: string }>(`SELECT DISTINCT category FROM analytics.transactions_categorized WHERE description = 'RENT - OAKWOOD PROPERTIES'`);
        expect(rent).toEqual([{ category: 'housing' }]);
      } finally {
        await s.t.db.query(`DELETE FROM citi_sync.category_overrides`);
        await s.t.db.query(`DELETE FROM citi_sync.merchant_category_overrides`);
      }
      expect(await categoryOf('DAN SUNG SA')).toEqual(['restaurants']);
    });
  });

  describe('daily_balances', () => {
    it('has one row per account per day from its first balance to today, carrying the last observation forward', async () => {
      // A second sync three world days later adds observations; two back-dated ones make a longer span.
      s.h.sandbox.advance(3);
      expect((await syncConnection(s.h.deps, 'c1', { trigger: 'cli' })).status).toBe('succeeded');
      const accounts = await q<{ account_id: string }>(`SELECT account_id FROM analytics.accounts ORDER BY 1`);
      const first = accounts[0]!.account_id;
      await s.t.db.query(
        `INSERT INTO citi_sync.balance_history (connection_id, account_id, as_of, current_balance, available_balance)
         VALUES ('c1', $1, now() - interval '10 days', '100.5', '90'), ('c1', $1, now() - interval '6 days', '200', NULL)`,
        [first],
      );

      const history = await q<{ account_id: string; day: string; as_of: Date; current_balance: string; available_balance: string | null }>(
        `SELECT account_id, as_of::date::text AS day, as_of, current_balance, available_balance FROM citi_sync.balance_history ORDER BY account_id, as_of`,
      );
      const daily = await q<{ account_id: string; currency_code: string; day: string; current_balance: string; available_balance: string | null }>(
        `SELECT account_id, currency_code, day, current_balance, available_balance FROM analytics.daily_balances ORDER BY account_id, day`,
      );
      const [today] = await q<{ d: string }>(`SELECT current_date::text AS d`);
      const currency = Object.fromEntries(
        (await q<{ account_id: string; currency_code: string }>(`SELECT account_id, currency_code FROM analytics.accounts`)).map((a) => [a.account_id, a.currency_code]),
      );

      // The expectation, computed independently: walk each account's days, keep the latest observation.
      const expected: typeof daily = [];
      for (const { account_id } of accounts) {
        const obs = history.filter((h) => h.account_id === account_id);
        const last = [obs.at(-1)!.day, today!.d].sort().at(-1)!;
        for (let day = obs[0]!.day; day <= last; day = nextDay(day)) {
          const latest = obs.filter((o) => o.day <= day).at(-1)!;
          expected.push({ account_id, currency_code: currency[account_id]!, day, current_balance: latest.current_balance, available_balance: latest.available_balance });
        }
      }
      expect(daily).toEqual(expected);
      expect(daily.filter((d) => d.account_id === first).length).toBeGreaterThanOrEqual(11);
      // No gaps and no duplicates: consecutive days per account.
      const gaps = await q(
        `SELECT account_id, day FROM (
           SELECT account_id, day, day - lag(day) OVER (PARTITION BY connection_id, account_id ORDER BY day) AS step FROM analytics.daily_balances
         ) x WHERE step <> 1`,
      );
      expect(gaps).toEqual([]);
    });
  });

  describe('monthly_cashflow', () => {
    it('money_in - money_out = net on every row, both never negative', async () => {
      const bad = await q(`SELECT * FROM analytics.monthly_cashflow WHERE money_in - money_out <> net OR money_in < 0 OR money_out < 0`);
      expect(bad).toEqual([]);
    });

    it('adds up to analytics.transactions per account, currency and month, never across currencies', async () => {
      const cashflow = await q(
        `SELECT connection_id, account_id, currency_code, month::text, sum(money_in) AS money_in, sum(money_out) AS money_out,
                sum(net) AS net, sum(transactions)::int AS n
           FROM analytics.monthly_cashflow GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      );
      const direct = await q(
        `SELECT connection_id, account_id, currency_code, to_char(transaction_date, 'YYYY-MM-01') AS month,
                coalesce(sum(amount) FILTER (WHERE amount > 0), 0) AS money_in, coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS money_out,
                sum(amount) AS net, count(*)::int AS n
           FROM analytics.transactions GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      );
      expect(cashflow).toEqual(direct);
      const currencies = await q<{ currency_code: string }>(`SELECT DISTINCT currency_code FROM analytics.monthly_cashflow WHERE connection_id = 'c1' ORDER BY 1`);
      expect(currencies.map((c) => c.currency_code)).toEqual(CURRENCY_MIX);
      // A month's restaurants on the JPY account are in yen, exactly (0 decimals), not mixed with dollars.
      const jpy = await q<{ money_out: string }>(`SELECT money_out FROM analytics.monthly_cashflow WHERE currency_code = 'JPY' AND category = 'restaurants'`);
      expect(jpy.length).toBeGreaterThan(0);
      expect(jpy.every((r) => /^\d+$/.test(r.money_out))).toBe(true);
    });
  });

  describe('net_worth', () => {
    it("today's row per currency is the synced accounts' assets minus what the cards and loans owe", async () => {
      const worth = await q(
        `SELECT currency_code, assets, liabilities, net, accounts FROM analytics.net_worth
          WHERE connection_id = 'c1' AND day = current_date ORDER BY currency_code`,
      );
      // Truth: what the bank lists now, counted by the documented rule. The simulator's accounts are
      // deposits, cards, loans, lines of credit, brokerage and retirement, each with a classification.
      // Assets count their portfolio value (brokerage, retirement: no currency of their own, their
      // holdings') else their current balance; liabilities the amount owed (outstanding, else principal,
      // else current). Postgres sums the bank's exact decimal texts.
      const truth = s.h.sandbox.truth(s.userId).accounts;
      const counted = truth.flatMap((a) => {
        const b = a.balances;
        const amount = a.balanceType === 'ASSET' ? (b.portfolioValue ?? b.current) : (b.outstanding ?? b.principal ?? b.current);
        const holdingCurrencies = [...new Set(a.holdings.map((h) => h.currencyCode))];
        const currency = (a.served.currencyCode as string | undefined) ?? (holdingCurrencies.length === 1 ? holdingCurrencies[0] : null);
        return amount === null ? [] : [{ currency_code: currency, side: a.balanceType, amount }];
      });
      // Brokerage and retirement count too, where the dialect has them (US only: contract §3).
      const invested = truth.filter((a) => a.balances.portfolioValue !== null).length;
      if (us) expect(invested).toBeGreaterThanOrEqual(2);
      else expect(invested).toBe(0);
      const expected = await q(
        `SELECT currency_code, assets, liabilities, assets - liabilities AS net, accounts FROM (
           SELECT currency_code,
                  coalesce(sum(amount) FILTER (WHERE side = 'ASSET'), 0) AS assets,
                  coalesce(sum(amount) FILTER (WHERE side = 'LIABILITY'), 0) AS liabilities,
                  count(*)::integer AS accounts
             FROM jsonb_to_recordset($1::jsonb) AS x(currency_code text, side text, amount numeric)
            GROUP BY currency_code) x
          ORDER BY currency_code`,
        [JSON.stringify(counted)],
      );
      expect(worth.map((r) => (r as { currency_code: string }).currency_code)).toEqual(CURRENCY_MIX);
      expect(worth).toEqual(expected);
      // Each account's side is the bank's classification, under the dialect's group names.
      const sides = await q(`SELECT DISTINCT account_group, balance_type FROM analytics.accounts WHERE connection_id = 'c1' ORDER BY 1, 2`);
      const truthSides = [...new Set(truth.map((a) => `${a.accountGroup}\t${a.balanceType}`))].sort().map((k) => {
        const [account_group, balance_type] = k.split('\t');
        return { account_group, balance_type };
      });
      expect(sides).toEqual(truthSides);
      if (us) expect(sides).toContainEqual({ account_group: 'BROKERAGE', balance_type: 'ASSET' });
    });
  });

  describe('holdings', () => {
    it("today's holdings are exactly what the simulator's brokerage and retirement accounts hold", async () => {
      const truth = s.h.sandbox.truth(s.userId).accounts;
      const expected = truth
        .flatMap((a) =>
          a.holdings.map((h) => ({
            account_id: a.accountId, kind: h.kind, holding_key: h.key, symbol: h.symbol, cusip: h.cusip,
            quantity: h.quantity, price: h.price, value: h.value, currency_code: h.currencyCode,
          })),
        )
        .sort((x, y) => `${x.account_id}\t${x.holding_key}`.localeCompare(`${y.account_id}\t${y.holding_key}`));
      expect(new Set(expected.map((h) => h.kind))).toEqual(new Set(us ? ['holding', 'plan-component'] : []));
      // Which holdings: exactly the bank's, with their identities.
      const ids = (r: { account_id: unknown; kind: unknown; holding_key: unknown; symbol: unknown; cusip: unknown; currency_code: unknown }) =>
        JSON.stringify([r.account_id, r.kind, r.holding_key, r.symbol, r.cusip, r.currency_code]);
      const stored = await q<{ account_id: string; kind: string; holding_key: string; symbol: string | null; cusip: string | null; currency_code: string | null }>(
        `SELECT account_id, kind, holding_key, symbol, cusip, currency_code FROM analytics.holdings WHERE connection_id = 'c1' AND is_latest`,
      );
      expect(stored.map(ids).sort()).toEqual(expected.map(ids).sort());
      // Their amounts: equal as numbers to the bank's text (numeric keeps the text's own scale).
      const differing = await q(
        `SELECT h.account_id, h.holding_key FROM analytics.holdings h
           JOIN jsonb_to_recordset($1::jsonb) AS x(account_id text, holding_key text, quantity numeric, price numeric, value numeric)
             ON x.account_id = h.account_id AND x.holding_key = h.holding_key
          WHERE h.connection_id = 'c1' AND h.is_latest
            AND (h.quantity, h.price, h.value) IS DISTINCT FROM (x.quantity, x.price, x.value)`,
        [JSON.stringify(expected)],
      );
      expect(differing).toEqual([]);
    });
  });

  describe('a second sync', () => {
    it('with nothing changed at the bank writes no row in any table it keeps (xmin check), and says 0 new, 0 updated', async () => {
      const xid = (await q<{ xid: string }>(`SELECT pg_current_xact_id()::text AS xid`))[0]!.xid;
      const result = await syncConnection(s.h.deps, 'c1', { trigger: 'cli' });
      expect(result.status).toBe('succeeded');
      const tables = ['accounts', 'transactions', 'balance_history', 'holdings', 'holding_snapshots', 'statements'];
      const written: Record<string, number> = {};
      for (const t of tables) {
        const rows = await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM citi_sync.${t} WHERE age(xmin) < age(($1::xid8::text::bigint % 4294967296)::text::xid)`,
          [xid],
        );
        written[t] = rows[0]!.n;
      }
      expect(written).toEqual(Object.fromEntries(tables.map((t) => [t, 0])));
      const [run] = await q<{ rows_inserted: number; rows_updated: number; rows_removed: number }>(
        `SELECT rows_inserted, rows_updated, rows_removed FROM citi_sync.sync_runs WHERE id = $1`,
        [result.runId],
      );
      expect(run).toEqual({ rows_inserted: 0, rows_updated: 0, rows_removed: 0 });
    });
  });

  describe('recurring', () => {
    it("finds exactly the simulator's monthly card subscriptions, with their price and next date", async () => {
      // Prices are set in US cents; the simulator converts them to the card's (home) currency the way
      // it converts every amount: whole minor units, at least one.
      const price = (cents: number) => Math.max(1, Math.round(cents * home.perCent)) / 10 ** home.decimals;
      const subscriptionNames = new Map(CARD_SUBSCRIPTIONS.map((i) => [TEMPLATES[i]!.desc, price(TEMPLATES[i]!.min)]));
      // Truth: subscription merchants charged on each card, from what the bank shows (posted or pending).
      // The merchant is merchantName when the bank sends one, else the row's description (the US v2
      // spec's card rows have no merchantName), as analytics.recurring names it.
      const expected: Array<{ account_id: string; merchant_name: string; typical_amount: string }> = [];
      const cards = s.h.sandbox.truth(s.userId).accounts.filter((a) => a.group === 'CREDIT_CARD');
      for (const a of cards) {
        const names = new Set(
          a.transactions
            .map((t) => (t.raw.merchantName ?? t.raw.transactionDescription) as string | undefined)
            .filter((n): n is string => subscriptionNames.has(n ?? '')),
        );
        for (const n of names) expected.push({ account_id: a.accountId, merchant_name: n, typical_amount: (-subscriptionNames.get(n)!).toFixed(home.decimals) });
      }
      expect(expected.length).toBeGreaterThanOrEqual(2);
      // The cards by id: their account_group is the dialect's name (US CREDITCARD, Asia-Pacific CREDIT_CARD).
      const cardIds = cards.map((a) => a.accountId);
      const found = await q<{ account_id: string; merchant_name: string; typical_amount: string }>(
        `SELECT r.account_id, r.merchant_name, r.typical_amount
           FROM analytics.recurring r WHERE r.connection_id = 'c1' AND r.account_id = ANY($1) ORDER BY 1, 2`,
        [cardIds],
      );
      expect(found).toEqual(expected.sort((x, y) => x.account_id.localeCompare(y.account_id) || x.merchant_name.localeCompare(y.merchant_name)));

      const details = await q<{ interval_days: number; occurrences: number; last_seen: string; next_expected: string; category: string }>(
        `SELECT r.interval_days, r.occurrences, r.last_seen, r.next_expected, r.category
           FROM analytics.recurring r WHERE r.connection_id = 'c1' AND r.account_id = ANY($1)`,
        [cardIds],
      );
      expect(details.length).toBe(expected.length);
      for (const d of details) {
        expect(d.interval_days).toBeGreaterThanOrEqual(28);
        expect(d.interval_days).toBeLessThanOrEqual(31);
        // All but a few of the months of history the market serves (US 24, Asia-Pacific 12).
        expect(d.occurrences).toBeGreaterThanOrEqual(market.historyMonths - 4);
        expect(d.next_expected).toBe(addMonth(d.last_seen));
      }
    });

    it("also finds the checking account's fixed monthly bills, and never a merchant with irregular visits", async () => {
      const rows = await q<{ merchant_name: string; currency_code: string }>(
        `SELECT DISTINCT r.merchant_name, r.currency_code FROM analytics.recurring r
           JOIN analytics.accounts a USING (connection_id, account_id) WHERE a.account_group = 'CHECKING' ORDER BY 1, 2`,
      );
      expect(rows.map((r) => `${r.merchant_name} ${r.currency_code}`)).toEqual(
        ['ONLINE TRANSFER TO SAVINGS', 'RENT - OAKWOOD PROPERTIES', 'VERIZON WIRELESS'].flatMap((m) => CURRENCY_MIX.map((c) => `${m} ${c}`)),
      );
      const shops = await q(`SELECT merchant_name FROM analytics.recurring WHERE category IN ('restaurants', 'groceries', 'fuel', 'shopping')`);
      expect(shops).toEqual([]);
    });

    it('detects weekly and yearly series and needs 3 regular payments within 10% of the typical amount', async () => {
      const db = s.t.db;
      await db.query(`INSERT INTO citi_sync.connections (id, refresh_token_enc) VALUES ('r1', 'v1.x')`);
      await db.query(`INSERT INTO citi_sync.accounts (connection_id, account_id, currency_code, raw) VALUES ('r1', 'a', 'EUR', '{}')`);
      const rows: Array<[string, string, string]> = [
        // weekly, amounts within 10%: found
        ['CLEANER', '2026-01-05', '-40'], ['CLEANER', '2026-01-12', '-42'], ['CLEANER', '2026-01-19', '-38.5'], ['CLEANER', '2026-01-26', '-40'],
        // yearly: found
        ['DOMAIN RENEWAL', '2023-03-01', '-12'], ['DOMAIN RENEWAL', '2024-03-02', '-12'], ['DOMAIN RENEWAL', '2025-03-01', '-12.5'],
        // only two payments: not enough
        ['TWICE', '2026-01-01', '-9'], ['TWICE', '2026-02-01', '-9'],
        // monthly dates but wildly different amounts: no series of 3 similar ones
        ['BAKERY', '2026-01-03', '-5'], ['BAKERY', '2026-02-03', '-25'], ['BAKERY', '2026-03-03', '-60'], ['BAKERY', '2026-04-03', '-7'],
        // similar amounts, irregular dates
        ['KIOSK', '2026-01-01', '-3'], ['KIOSK', '2026-01-16', '-3'], ['KIOSK', '2026-03-20', '-3'], ['KIOSK', '2026-04-02', '-3'],
        // money in is not a subscription
        ['SALARY', '2026-01-28', '3000'], ['SALARY', '2026-02-28', '3000'], ['SALARY', '2026-03-28', '3000'],
      ];
      await db.query(
        `INSERT INTO citi_sync.transactions (connection_id, account_id, transaction_id, status, transaction_date, amount, currency_code, merchant_name, raw)
         SELECT 'r1', 'a', 't' || ordinality, 'posted', (r->>1)::date, (r->>2)::numeric, 'EUR', r->>0, '{}'
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(r, ordinality)`,
        [JSON.stringify(rows)],
      );
      try {
        const found = await q(
          `SELECT merchant_name, category, occurrences, typical_amount, interval_days, first_seen, last_seen, next_expected
             FROM analytics.recurring WHERE connection_id = 'r1' ORDER BY merchant_name`,
        );
        expect(found).toEqual([
          { merchant_name: 'CLEANER', category: 'uncategorized', occurrences: 4, typical_amount: '-40', interval_days: 7, first_seen: '2026-01-05', last_seen: '2026-01-26', next_expected: '2026-02-02' },
          { merchant_name: 'DOMAIN RENEWAL', category: 'uncategorized', occurrences: 3, typical_amount: '-12', interval_days: 364, first_seen: '2023-03-01', last_seen: '2025-03-01', next_expected: '2026-03-01' },
        ]);
      } finally {
        await db.query(`DELETE FROM citi_sync.connections WHERE id = 'r1'`);
      }
    });
  });
});

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function addMonth(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d, last))).toISOString().slice(0, 10);
}
