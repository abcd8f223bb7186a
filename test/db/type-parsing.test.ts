import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const backends = [
  ['postgres', createTestDatabase],
  ['pglite', createPgliteTestDatabase],
] as const;

describe.each(backends)('values read back from %s', (_name, create) => {
  let t: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    t = await create();
    db = t.db;
    await db.query(`INSERT INTO citi_sync.connections (id) VALUES ('c1')`);
    await db.query(
      `INSERT INTO citi_sync.accounts (connection_id, account_id, currency_code, raw) VALUES
         ('c1', 'USD-1', 'USD', '{}'), ('c1', 'JPY-1', 'JPY', '{}'), ('c1', 'BHD-1', 'BHD', '{}')`,
    );
  });
  afterAll(() => t.drop());

  it('keeps numeric amounts exact, as strings, in every currency', async () => {
    const cases = [
      ['USD-1', 't1', '0.1'],
      ['USD-1', 't2', '1234567.89'],
      ['USD-1', 't3', '12.345'],
      ['USD-1', 't4', '-0.10'],
      ['USD-1', 't5', '98765432109876543210.123456789'],
      ['JPY-1', 't6', '1500'],
      ['BHD-1', 't7', '1.234'],
    ] as const;
    for (const [account, id, amount] of cases) {
      const currency = account.slice(0, 3);
      await db.query(
        `INSERT INTO citi_sync.transactions (connection_id, account_id, transaction_id, status, transaction_date, amount, currency_code, raw)
         VALUES ('c1', $1, $2, 'posted', '2026-01-31', $3, $4, $5)`,
        [account, id, amount, currency, JSON.stringify({ transactionAmount: Number(amount) })],
      );
    }
    const { rows } = await db.query<{ transaction_id: string; amount: string }>(
      `SELECT transaction_id, amount FROM citi_sync.transactions ORDER BY transaction_id`,
    );
    expect(rows).toEqual(cases.map(([, id, amount]) => ({ transaction_id: id, amount })));
    const sum = await db.query<{ total: string }>(`SELECT sum(amount) AS total FROM citi_sync.transactions WHERE transaction_id IN ('t1', 't2', 't3')`);
    expect(sum.rows).toEqual([{ total: '1234580.335' }]);
  });

  it('reads date as YYYY-MM-DD strings (no time zone shift) and timestamptz as Date', async () => {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT '2026-01-01'::date AS d, '0001-12-31'::date AS ancient, ARRAY['2026-02-28'::date] AS days,
              '2026-03-01T00:30:00+01:00'::timestamptz AS ts, '2026-03-01 10:00:00'::timestamp AS local_ts`,
    );
    expect(rows[0]).toEqual({
      d: '2026-01-01',
      ancient: '0001-12-31',
      days: ['2026-02-28'],
      ts: new Date('2026-02-28T23:30:00Z'),
      local_ts: '2026-03-01 10:00:00',
    });
  });

  it('reads int4 as number, int8 as string, jsonb parsed, numeric[] as strings', async () => {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT 42::int4 AS i4, 9007199254740993::int8 AS i8, '{"a":[1,"x"],"b":null}'::jsonb AS j,
              ARRAY[0.1, 2.50]::numeric[] AS nums, count(*) AS n FROM (VALUES (1)) v(x)`,
    );
    expect(rows[0]).toEqual({ i4: 42, i8: '9007199254740993', j: { a: [1, 'x'], b: null }, nums: ['0.1', '2.50'], n: '1' });
  });

  it('reports rowCount for SELECT, INSERT and UPDATE', async () => {
    expect((await db.query(`SELECT * FROM citi_sync.accounts`)).rowCount).toBe(3);
    expect((await db.query(`UPDATE citi_sync.accounts SET nickname = 'n' WHERE currency_code <> 'USD'`)).rowCount).toBe(2);
    expect((await db.query(`UPDATE citi_sync.accounts SET nickname = 'n' WHERE false`)).rowCount).toBe(0);
  });
});
