import type { CitiAccount } from '../../citi/index.ts';
import type { Queryable } from '../../db/database.ts';
import { cleanJson, cleanText } from '../../citi/index.ts';
import { isoDate } from '../dates.ts';
import { holdingsCurrency, snapshotHoldings } from './holdings.ts';

/** What storing a listing found worth reporting. */
export interface StoredListing {
  /** Ids Citi listed more than once: the first account listed under each is stored, the others are not. */
  repeatedAccountIds: string[];
  /** Accounts whose holdings got a new snapshot. */
  holdingsChanged: string[];
}

/** The balance columns of balance_history after account_id; a row is written only when one of them changed. */
const BALANCE_DEF = `current_balance numeric, available_balance numeric, balance_type text, currency_code text,
  outstanding_balance numeric, available_credit numeric, credit_limit numeric, minimum_due numeric, payment_due_date date,
  last_statement_balance numeric, principal_balance numeric, portfolio_value numeric`;
const BALANCE_COLS = BALANCE_DEF.split(',').map((c) => c.trim().split(/\s+/)[0] as string);
// SQL fragments of the balance_history statement, built once from the constant column list. An
// account without a currency of its own (brokerage, retirement) that has sold every holding keeps
// the currency last recorded, rather than losing it.
const BALANCE_LIST = BALANCE_COLS.join(', ');
const BALANCE_NEW = BALANCE_COLS.map((c) => (c === 'currency_code' ? 'coalesce(r.currency_code, last.currency_code)' : `r.${c}`)).join(', ');
const BALANCE_LAST = BALANCE_COLS.map((c) => `last.${c}`).join(', ');
const BALANCE_STORED = BALANCE_COLS.map((c) => `b.${c}`).join(', ');

/**
 * Stores a connection's account listing: upserts every account in one statement, appends a
 * balance_history row for each account whose balances changed (any balance, its balance type or
 * currency), and snapshots holdings. Run it in one transaction (refreshAccounts does).
 */
export async function upsertAccounts(q: Queryable, connectionId: string, listed: CitiAccount[], asOf: Date): Promise<StoredListing> {
  const { accounts, repeated } = firstOfEachId(listed);
  if (accounts.length === 0) return { repeatedAccountIds: repeated, holdingsChanged: [] };
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
    balance_type: text(a.balanceType),
    raw: cleanJson(a.raw),
  }));
  const def = `account_id text, account_group text, account_type text, product_name text, product_code text,
    nickname text, display_account_number text, currency_code text, status text, classification text,
    current_balance numeric, available_balance numeric, credit_limit numeric, balance_type text, raw jsonb`;
  const cols = def.split(',').map((c) => c.trim().split(/\s+/)[0] as string);
  const updatable = cols.filter((c) => c !== 'account_id');
  const changed = `(${updatable.map((c) => `a.${c}`).join(', ')}) IS DISTINCT FROM (${updatable.map((c) => `excluded.${c}`).join(', ')})`;
  // An unchanged account is not rewritten: last_seen_at is kept to the (UTC) day, refreshed by the
  // day's first listing, so a re-sync with nothing new at the bank writes no row (issue 11: "a second
  // sync writes nothing"). analytics.net_worth only needs the day an account was last listed.
  await q.query(
    `INSERT INTO citi_sync.accounts AS a (connection_id, ${cols.join(', ')}, first_seen_at, last_seen_at, updated_at)
     SELECT $1, ${cols.map((c) => `r.${c}`).join(', ')}, $3, $3, $3 FROM jsonb_to_recordset($2::jsonb) AS r(${def})
     ON CONFLICT (connection_id, account_id) DO UPDATE SET
       ${updatable.map((c) => `${c} = excluded.${c}`).join(', ')},
       last_seen_at = excluded.last_seen_at,
       updated_at = CASE WHEN ${changed} THEN excluded.updated_at ELSE a.updated_at END
     WHERE ${changed}
        OR (a.last_seen_at AT TIME ZONE 'UTC')::date < (excluded.last_seen_at AT TIME ZONE 'UTC')::date`,
    [connectionId, JSON.stringify(records), asOf],
  );
  const balances = accounts.map((a) => ({
    account_id: a.accountId,
    // The columns the views have always read keep their meaning: the account's current and available balance.
    current_balance: a.currentBalance,
    available_balance: a.availableBalance,
    balance_type: text(a.balanceType),
    // Brokerage and retirement accounts carry no currency of their own; their holdings usually do.
    currency_code: a.currencyCode ?? holdingsCurrency(a),
    outstanding_balance: a.balances.outstanding,
    available_credit: a.balances.availableCredit,
    credit_limit: a.balances.creditLimit,
    minimum_due: a.balances.minimumDue,
    payment_due_date: a.balances.paymentDueDate,
    last_statement_balance: a.balances.lastStatementBalance,
    principal_balance: a.balances.principal,
    portfolio_value: a.balances.portfolioValue,
  }));
  await q.query(
    `INSERT INTO citi_sync.balance_history (connection_id, account_id, as_of, ${BALANCE_LIST})
     SELECT $1, r.account_id, $3, ${BALANCE_NEW}
       FROM jsonb_to_recordset($2::jsonb) AS r(account_id text, ${BALANCE_DEF})
       LEFT JOIN LATERAL (
         SELECT b.as_of, ${BALANCE_STORED} FROM citi_sync.balance_history b
          WHERE b.connection_id = $1 AND b.account_id = r.account_id ORDER BY b.as_of DESC LIMIT 1
       ) last ON true
      WHERE last.as_of IS NULL OR (${BALANCE_LAST}) IS DISTINCT FROM (${BALANCE_NEW})
     ON CONFLICT DO NOTHING`,
    [connectionId, JSON.stringify(balances), asOf],
  );
  const holdingsChanged = await snapshotHoldings(q, connectionId, accounts, isoDate(asOf));
  return { repeatedAccountIds: repeated, holdingsChanged };
}

/**
 * Citi's own US example lists one id under four kinds. Accounts are keyed on their id, so only the
 * first listed is stored; the caller reports the others rather than merging them silently.
 */
function firstOfEachId(listed: CitiAccount[]): { accounts: CitiAccount[]; repeated: string[] } {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  const accounts: CitiAccount[] = [];
  for (const a of listed) {
    if (seen.has(a.accountId)) repeated.add(a.accountId);
    else {
      seen.add(a.accountId);
      accounts.push(a);
    }
  }
  return { accounts, repeated: [...repeated] };
}

export interface StoredAccount {
  accountId: string;
  accountType: string;
  accountGroup: string | null;
  currencyCode: string | null;
  status: string | null;
}

export async function storedAccounts(q: Queryable, connectionId: string): Promise<StoredAccount[]> {
  const { rows } = await q.query<{ account_id: string; account_type: string; account_group: string | null; currency_code: string | null; status: string | null }>(
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
