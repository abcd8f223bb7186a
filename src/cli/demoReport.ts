import type { Queryable } from '../db/database.ts';
import { shortId, table } from './table.ts';
import { demoAccounts } from './sql/demoAccounts.ts';

/** What the demo shows at the end: balances, counts, and queries to try next. */
export async function printDemoReport(db: Queryable, connectionId: string, out: NodeJS.WritableStream): Promise<void> {
  const accounts = await demoAccounts(db, connectionId);
  out.write('\nAccounts\n');
  out.write(
    table(
      ['account', 'type', 'product', 'status', 'balance', 'currency', 'transactions'],
      accounts.map((a) => [shortId(a.account_id), a.account_type, a.product_name ?? '', a.status ?? '', a.current_balance ?? '', a.currency_code ?? '', String(a.n)]),
    ),
  );
  out.write(`
Try these with \`npx citi-sync sql "<query>"\` (it reads the same database; with DATABASE_URL set, psql works too):

  -- spending by month and currency (amounts are never summed across currencies)
  SELECT date_trunc('month', transaction_date)::date AS month, currency_code, sum(amount) AS net
    FROM analytics.transactions GROUP BY 1, 2 ORDER BY 1 DESC, 2;

  -- largest merchants by money out
  SELECT merchant_name, currency_code, -sum(amount) AS spent
    FROM analytics.transactions WHERE amount < 0 AND merchant_name IS NOT NULL
   GROUP BY 1, 2 ORDER BY spent DESC LIMIT 10;

  -- what each sync did
  SELECT started_at, status, rows_inserted, rows_updated, rows_unchanged, requests
    FROM analytics.sync_runs WHERE account_id IS NULL ORDER BY started_at DESC LIMIT 5;

Run the demo again: the second sync is incremental (only the lookback window) and writes nothing new.
`);
}
