import { syncConnection } from '../../src/sync/index.ts';
import { harness, type Harness } from '../sync/harness.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/** The analyst views of migration 0002, with their columns in order: a contract, like 0001's. */
export const ANALYST_VIEW_COLUMNS: Record<string, string[]> = {
  daily_balances: ['connection_id', 'account_id', 'currency_code', 'day', 'current_balance', 'available_balance'],
  monthly_cashflow: ['connection_id', 'account_id', 'currency_code', 'month', 'category', 'money_in', 'money_out', 'net', 'transactions'],
  recurring: [
    'connection_id', 'account_id', 'currency_code', 'merchant_name', 'category', 'occurrences', 'typical_amount',
    'interval_days', 'first_seen', 'last_seen', 'next_expected',
  ],
  transactions_categorized: [
    'connection_id', 'account_id', 'transaction_id', 'status', 'transaction_date', 'posting_date', 'amount',
    'currency_code', 'description', 'merchant_name', 'merchant_category_code', 'transaction_type', 'foreign_amount',
    'foreign_currency_code', 'first_seen_at', 'updated_at', 'category',
  ],
};

/** The views of migration 0006 (holdings and net worth), with their columns in order. */
export const WEALTH_VIEW_COLUMNS: Record<string, string[]> = {
  holdings: [
    'connection_id', 'account_id', 'as_of_date', 'kind', 'holding_key', 'symbol', 'cusip', 'name', 'quantity', 'price',
    'value', 'currency_code', 'valued_as_of', 'is_latest',
  ],
  net_worth: ['connection_id', 'day', 'currency_code', 'assets', 'liabilities', 'net', 'accounts'],
};

export interface Synced {
  t: TestDatabase;
  h: Harness;
  userId: string;
  close(): Promise<void>;
}

/**
 * A fresh database holding the simulator's first user (every kind of account, USD, JPY and BHD)
 * synced under `connectionId`, the way the demo does it. The world's today is the harness's fixed
 * TODAY unless `today` is given (the docs' queries filter relative to current_date).
 */
export async function syncedDatabase(connectionId: string, opts: { today?: string } = {}): Promise<Synced> {
  const t = await createTestDatabase();
  // Two accounts at a time: each holds a pooled session for its advisory lock (plus one for the
  // connection's), and the test database's pool has 5, so 4 at once could leave none for queries.
  const h = await harness(t.db, { settings: { accountConcurrency: 2 }, ...(opts.today ? { sandbox: { today: opts.today } } : {}) });
  try {
    const { userId } = await h.connect(connectionId);
    const result = await syncConnection(h.deps, connectionId, { trigger: 'cli' });
    if (result.status !== 'succeeded') throw new Error(`sync ${result.status}: ${result.error ?? ''}`);
    return {
      t,
      h,
      userId,
      async close() {
        await h.close();
        await t.drop();
      },
    };
  } catch (err) {
    await h.close();
    await t.drop();
    throw err;
  }
}
