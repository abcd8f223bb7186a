import type { CitiAccount } from '../../citi/index.ts';
import type { Queryable } from '../../db/database.ts';
import { cleanJson, cleanText } from '../../citi/index.ts';

/** Upserts every account of a connection in one statement, and appends balance history on change. */
export async function upsertAccounts(q: Queryable, connectionId: string, accounts: CitiAccount[], asOf: Date): Promise<void> {
  if (accounts.length === 0) return;
  const text = (s: string | null | undefined) => (s == null ? null : cleanText(s));
  const records = accounts.map((a) => ({
    account_id: a.accountId,
    account_group: text(a.accountGroup),
    account_type: text(a.accountType),
    product_name: text(a.productName),
    product_code: text(a.productCode),
    nickname: text(a.nickname),
    display_account_number: text(a.displayAccountNumber),
    currency_code: a.currencyCode,
    status: text(a.status),
    classification: text(a.classification),
    current_balance: a.currentBalance,
    available_balance: a.availableBalance,
    credit_limit: a.creditLimit,
    raw: cleanJson(a.raw),
  }));
  const def = `account_id text, account_group text, account_type text, product_name text, product_code text,
    nickname text, display_account_number text, currency_code text, status text, classification text,
    current_balance numeric, available_balance numeric, credit_limit numeric, raw jsonb`;
  const cols = def.split(',').map((c) => c.trim().split(/\s+/)[0] as string);
  const updatable = cols.filter((c) => c !== 'account_id');
  await q.query(
    `INSERT INTO citi_sync.accounts AS a (connection_id, ${cols.join(', ')}, first_seen_at, last_seen_at, updated_at)
     SELECT $1, ${cols.map((c) => `r.${c}`).join(', ')}, $3, $3, $3 FROM jsonb_to_recordset($2::jsonb) AS r(${def})
     ON CONFLICT (connection_id, account_id) DO UPDATE SET
       ${updatable.map((c) => `${c} = excluded.${c}`).join(', ')},
       last_seen_at = excluded.last_seen_at,
       updated_at = CASE WHEN (${updatable.map((c) => `a.${c}`).join(', ')}) IS DISTINCT FROM (${updatable.map((c) => `excluded.${c}`).join(', ')})
                         THEN excluded.updated_at ELSE a.updated_at END`,
    [connectionId, JSON.stringify(records), asOf],
  );
  await q.query(
    `INSERT INTO citi_sync.balance_history (connection_id, account_id, as_of, current_balance, available_balance)
     SELECT $1, r.account_id, $3, r.current_balance, r.available_balance
       FROM jsonb_to_recordset($2::jsonb) AS r(account_id text, current_balance numeric, available_balance numeric)
      WHERE NOT EXISTS (
        SELECT 1 FROM (SELECT b.current_balance, b.available_balance FROM citi_sync.balance_history b
                        WHERE b.connection_id = $1 AND b.account_id = r.account_id ORDER BY b.as_of DESC LIMIT 1) last
         WHERE last.current_balance IS NOT DISTINCT FROM r.current_balance
           AND last.available_balance IS NOT DISTINCT FROM r.available_balance)
     ON CONFLICT DO NOTHING`,
    [connectionId, JSON.stringify(records), asOf],
  );
}

export interface StoredAccount {
  accountId: string;
  accountType: string;
  accountGroup: string | null;
  currencyCode: string;
  status: string | null;
}

export async function storedAccounts(q: Queryable, connectionId: string): Promise<StoredAccount[]> {
  const { rows } = await q.query<{ account_id: string; account_type: string; account_group: string | null; currency_code: string; status: string | null }>(
    `SELECT account_id, account_type, account_group, currency_code, status FROM citi_sync.accounts
      WHERE connection_id = $1 ORDER BY account_id`,
    [connectionId],
  );
  return rows.map((r) => ({
    accountId: r.account_id,
    accountType: r.account_type,
    accountGroup: r.account_group,
    currencyCode: r.currency_code,
    status: r.status,
  }));
}
