import { createHash } from 'node:crypto';
import type { CitiAccount } from '../../citi/index.ts';
import type { CitiHolding } from '../../citi/types.ts';
import type { Queryable } from '../../db/database.ts';
import { cleanJson, cleanText } from '../../citi/index.ts';

/**
 * Daily snapshots of brokerage holdings and retirement plan components (tables holding_snapshots and
 * holdings; this module is their only writer). An account gets a snapshot for `day` only when its
 * holdings differ from its latest snapshot in any stored field or in the raw payload; a second sync
 * on the same day that finds a change replaces that day's snapshot. Run it inside the transaction
 * that stores the accounts: a snapshot is replaced by a delete and an insert.
 */

/** The columns of a holding row besides connection_id and as_of_date, in the order every statement below uses. */
const DEF = `account_id text, holding_key text, kind text, symbol text, cusip text, name text, quantity numeric,
  price numeric, value numeric, currency_code text, valued_as_of date, raw jsonb`;
const COLS = DEF.split(',').map((c) => c.trim().split(/\s+/)[0] as string);
const COL_LIST = COLS.join(', ');
const FRESH_COLS = COLS.map((c) => `r.${c}`).join(', ');
const STORED_COLS = COLS.map((c) => `h.${c}`).join(', ');

export interface HoldingRecord {
  account_id: string;
  holding_key: string;
  kind: CitiHolding['kind'];
  symbol: string | null;
  cusip: string | null;
  name: string | null;
  quantity: string | null;
  price: string | null;
  value: string | null;
  currency_code: string | null;
  valued_as_of: string | null;
  raw: unknown;
}

/**
 * Longest holding key stored as sent, in UTF-8 bytes. The key is in the table's primary key (a btree
 * entry holds at most 2704 bytes): a longer symbol, CUSIP or component name from Citi failed the
 * whole listing's transaction (54000), so no account of the connection was stored. A longer key is
 * stored as the hash of its text, which is as stable across snapshots.
 */
export const MAX_HOLDING_KEY_BYTES = 200;

function keyOf(h: CitiHolding): string {
  const key = cleanText(h.key);
  return Buffer.byteLength(key, 'utf8') <= MAX_HOLDING_KEY_BYTES ? key : `sha:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/**
 * The rows of one account's holdings. Two holdings with one key (two lots of one symbol) stay two
 * rows: the second and later get `#2`, `#3`… in the order Citi listed them, skipping any key Citi
 * sent itself (symbols `X`, `X`, `X#2` are keys `X`, `X#3`, `X#2`: a duplicate key failed the whole
 * listing's transaction).
 */
export function holdingRecords(account: CitiAccount): HoldingRecord[] {
  const text = (s: string | null) => (s === null ? null : cleanText(s));
  const bases = account.holdings.map(keyOf);
  const taken = new Set(bases);
  const used = new Set<string>();
  const next = new Map<string, number>();
  return account.holdings.map((h, i) => {
    const base = bases[i] as string;
    let key = base;
    if (used.has(base)) {
      let n = next.get(base) ?? 2;
      while (taken.has(`${base}#${n}`) || used.has(`${base}#${n}`)) n++;
      key = `${base}#${n}`;
      next.set(base, n + 1);
    }
    used.add(key);
    return {
      account_id: account.accountId,
      holding_key: key,
      kind: h.kind,
      symbol: text(h.symbol),
      cusip: text(h.cusip),
      name: text(h.name),
      quantity: h.quantity,
      price: h.price,
      value: h.value,
      currency_code: text(h.currencyCode),
      valued_as_of: h.asOfDate,
      raw: cleanJson(h.raw),
    };
  });
}

/** Stores a snapshot dated `day` (YYYY-MM-DD) for each account whose holdings changed; returns their ids. */
export async function snapshotHoldings(q: Queryable, connectionId: string, accounts: CitiAccount[], day: string): Promise<string[]> {
  if (accounts.length === 0) return [];
  const records = accounts.flatMap(holdingRecords);
  const ids = accounts.map((a) => a.accountId);
  // Set difference both ways between the listing and each account's latest snapshot: a holding that
  // appeared, changed or went away marks its account as changed; numerics compare by value.
  const { rows } = await q.query<{ account_id: string }>(
    `WITH fresh AS (
       SELECT ${FRESH_COLS} FROM jsonb_to_recordset($2::jsonb) AS r(${DEF})
     ), latest AS (
       SELECT s.account_id, max(s.as_of_date) AS as_of_date FROM citi_sync.holding_snapshots s
        WHERE s.connection_id = $1 AND s.account_id IN (SELECT jsonb_array_elements_text($3::jsonb))
        GROUP BY s.account_id
     ), stored AS (
       SELECT ${STORED_COLS} FROM citi_sync.holdings h
         JOIN latest l ON l.account_id = h.account_id AND l.as_of_date = h.as_of_date
        WHERE h.connection_id = $1
     )
     SELECT DISTINCT d.account_id FROM (
       (SELECT * FROM fresh EXCEPT SELECT * FROM stored) UNION ALL (SELECT * FROM stored EXCEPT SELECT * FROM fresh)
     ) d ORDER BY d.account_id`,
    [connectionId, JSON.stringify(records), JSON.stringify(ids)],
  );
  const changed = rows.map((r) => r.account_id);
  if (changed.length === 0) return [];
  const changedSet = new Set(changed);
  const counts = changed.map((id) => ({ account_id: id, holdings: records.filter((r) => r.account_id === id).length }));
  await q.query(
    `DELETE FROM citi_sync.holdings
      WHERE connection_id = $1 AND as_of_date = $2 AND account_id IN (SELECT jsonb_array_elements_text($3::jsonb))`,
    [connectionId, day, JSON.stringify(changed)],
  );
  await q.query(
    `INSERT INTO citi_sync.holding_snapshots (connection_id, account_id, as_of_date, holdings)
     SELECT $1, r.account_id, $2, r.holdings FROM jsonb_to_recordset($3::jsonb) AS r(account_id text, holdings integer)
     ON CONFLICT (connection_id, account_id, as_of_date) DO UPDATE SET holdings = excluded.holdings`,
    [connectionId, day, JSON.stringify(counts)],
  );
  await q.query(
    `INSERT INTO citi_sync.holdings (connection_id, as_of_date, ${COL_LIST})
     SELECT $1, $2, ${FRESH_COLS} FROM jsonb_to_recordset($3::jsonb) AS r(${DEF})`,
    [connectionId, day, JSON.stringify(records.filter((r) => changedSet.has(r.account_id)))],
  );
  return changed;
}

/** The currency of an account's holdings when they all share one; null otherwise. */
export function holdingsCurrency(account: CitiAccount): string | null {
  const currencies = new Set(account.holdings.map((h) => h.currencyCode).filter((c): c is string => c !== null));
  return currencies.size === 1 ? ([...currencies][0] as string) : null;
}
