import type { Queryable } from '../../db/database.ts';

export interface DemoAccountRow {
  account_id: string;
  account_type: string;
  product_name: string | null;
  currency_code: string | null;
  status: string | null;
  current_balance: string | null;
  n: number;
}

/** The demo connection's accounts with their transaction counts, read through the analytics views. */
export async function demoAccounts(db: Queryable, connectionId: string): Promise<DemoAccountRow[]> {
  const { rows } = await db.query<DemoAccountRow>(
    `SELECT a.account_id, a.account_type, a.product_name, a.currency_code, a.status, a.current_balance,
            (SELECT count(*)::int FROM analytics.transactions t WHERE t.connection_id = a.connection_id AND t.account_id = a.account_id) AS n
       FROM analytics.accounts a WHERE a.connection_id = $1 ORDER BY a.account_group, a.account_id`,
    [connectionId],
  );
  return rows;
}
