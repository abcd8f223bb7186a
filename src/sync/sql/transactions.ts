import type { CitiTransaction } from '../../citi/index.ts';
import type { Queryable } from '../../db/database.ts';
import { cleanJson } from '../../citi/index.ts';

/** Columns written from a Citi row; `raw` keeps the payload, unknown fields included. */
const COLUMNS = [
  ['transaction_id', 'text'],
  ['id_synthetic', 'boolean'],
  ['status', 'text'],
  ['status_raw', 'text'],
  ['transaction_date', 'date'],
  ['posting_date', 'date'],
  ['amount', 'numeric'],
  ['currency_code', 'text'],
  ['description', 'text'],
  ['description_extension', 'text'],
  ['merchant_name', 'text'],
  ['merchant_category_code', 'text'],
  ['transaction_type', 'text'],
  ['debit_credit_memo', 'text'],
  ['check_number', 'text'],
  ['foreign_amount', 'numeric'],
  ['foreign_currency_code', 'text'],
  ['foreign_exchange_rate', 'numeric'],
  ['authorization_code', 'text'],
  ['raw', 'jsonb'],
] as const;

const names = COLUMNS.map(([n]) => n);
const recordDef = COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ');
const changed = names.filter((n) => n !== 'transaction_id');

/**
 * One set-based statement per page: the page goes in as one jsonb parameter, so a page costs one
 * round trip whatever its size. A row whose values are unchanged is not rewritten (the WHERE on the
 * conflict branch), so a sync that finds nothing new leaves the table untouched; a removed row that
 * comes back is restored. Money travels as JSON strings into `numeric`: never through a float.
 */
const UPSERT_CTES = `
input AS (
  SELECT * FROM json_to_recordset($3::json) AS r(${recordDef})
), previously_removed AS (
  SELECT t.transaction_id FROM citi_sync.transactions t
   WHERE t.connection_id = $1 AND t.account_id = $2 AND t.removed_at IS NOT NULL
     AND t.transaction_id IN (SELECT transaction_id FROM input)
), written AS (
  INSERT INTO citi_sync.transactions AS t (connection_id, account_id, ${names.join(', ')})
  SELECT $1, $2, ${names.map((n) => `i.${n}`).join(', ')} FROM input i
  ON CONFLICT (connection_id, account_id, transaction_id) DO UPDATE SET
    ${changed.map((n) => `${n} = excluded.${n}`).join(',\n    ')},
    updated_at = now(),
    removed_at = NULL
  WHERE t.removed_at IS NOT NULL
     OR (${changed.map((n) => `t.${n}`).join(', ')}) IS DISTINCT FROM (${changed.map((n) => `excluded.${n}`).join(', ')})
  RETURNING t.transaction_id, (xmax = 0) AS inserted
)`;

const COUNTS = `
SELECT
  count(*) FILTER (WHERE w.inserted)::int AS inserted,
  count(*) FILTER (WHERE NOT w.inserted AND p.transaction_id IS NULL)::int AS updated,
  count(p.transaction_id)::int AS restored
FROM written w LEFT JOIN previously_removed p USING (transaction_id)`;

const UPSERT_PAGE = `WITH ${UPSERT_CTES} ${COUNTS}`;

/**
 * The page and its window's checkpoint in ONE statement: a statement is atomic on its own, so the
 * page costs one round trip (no BEGIN/COMMIT), and the cursor still never moves without its rows.
 */
const UPSERT_PAGE_WITH_CURSOR = `WITH ${UPSERT_CTES},
checkpoint AS (
  UPDATE citi_sync.sync_windows
     SET cursor = $6, pages = pages + 1, updated_at = now(),
         seen_pending = CASE WHEN cardinality($7::text[]) = 0 THEN seen_pending ELSE seen_pending || to_jsonb($7::text[]) END,
         key_state = coalesce($8::jsonb, key_state)
   WHERE connection_id = $1 AND account_id = $2 AND window_from = $4 AND window_to = $5
  RETURNING 1
) ${COUNTS}`;

export interface PageWriteResult {
  inserted: number;
  updated: number;
  restored: number;
  unchanged: number;
}

export function toRecord(t: CitiTransaction): Record<string, unknown> {
  return {
    transaction_id: t.transactionId,
    id_synthetic: t.idSynthetic,
    status: t.status,
    status_raw: t.statusRaw,
    transaction_date: t.transactionDate,
    posting_date: t.postingDate,
    amount: t.amount,
    currency_code: t.currencyCode,
    description: t.description,
    description_extension: t.descriptionExtension,
    merchant_name: t.merchantName,
    merchant_category_code: t.merchantCategoryCode,
    transaction_type: t.transactionType,
    debit_credit_memo: t.debitCreditMemo,
    check_number: t.checkNumber,
    foreign_amount: t.foreignAmount,
    foreign_currency_code: t.foreignCurrencyCode,
    foreign_exchange_rate: t.foreignExchangeRate,
    authorization_code: t.authorizationCode,
    raw: t.raw,
  };
}

/**
 * The page as the jsonb parameter. JSON.stringify writes NUL and lone surrogates as \u escapes,
 * which jsonb rejects; only a page containing one pays for the deep clean (almost none do).
 */
export function pageJson(rows: CitiTransaction[]): string {
  // Live offsets can repeat a row within a page; ON CONFLICT may touch a row only once per statement.
  const byId = new Map<string, Record<string, unknown>>();
  for (const row of rows) byId.set(row.transactionId, toRecord(row));
  const json = JSON.stringify([...byId.values()]);
  if (!/\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(json)) return json;
  const cleaned = new Map<string, unknown>();
  for (const rec of byId.values()) {
    const c = cleanJson(rec) as Record<string, unknown>;
    cleaned.set(c.transaction_id as string, c);
  }
  return JSON.stringify([...cleaned.values()]);
}

export interface PageCheckpoint {
  window: { from: string; to: string };
  cursor: string;
  newPending: string[];
  keyState: unknown;
}

/** Writes one page with one statement; with a checkpoint, the window's cursor moves in it too. */
export async function upsertTransactionPage(
  q: Queryable,
  connectionId: string,
  accountId: string,
  rows: CitiTransaction[],
  checkpoint?: PageCheckpoint,
): Promise<PageWriteResult> {
  const json = rows.length === 0 ? '[]' : pageJson(rows);
  if (rows.length === 0 && !checkpoint) return { inserted: 0, updated: 0, restored: 0, unchanged: 0 };
  const { rows: out } = checkpoint
    ? await q.query<{ inserted: number; updated: number; restored: number }>(UPSERT_PAGE_WITH_CURSOR, [
        connectionId,
        accountId,
        json,
        checkpoint.window.from,
        checkpoint.window.to,
        checkpoint.cursor,
        checkpoint.newPending,
        checkpoint.keyState === undefined ? null : JSON.stringify(checkpoint.keyState),
      ])
    : await q.query<{ inserted: number; updated: number; restored: number }>(UPSERT_PAGE, [connectionId, accountId, json]);
  const r = out[0] ?? { inserted: 0, updated: 0, restored: 0 };
  return { ...r, unchanged: rows.length - r.inserted - r.updated - r.restored };
}

/**
 * After a window was walked to the end: pending rows dated inside it that the bank no longer shows
 * have posted (under a new id) or expired. They are kept for audit, marked removed.
 */
export async function markVanishedPendings(
  tx: Queryable,
  connectionId: string,
  accountId: string,
  window: { from: string; to: string },
  seenPending: string[],
): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE citi_sync.transactions SET removed_at = now(), updated_at = now()
      WHERE connection_id = $1 AND account_id = $2 AND status = 'pending' AND removed_at IS NULL
        AND transaction_date BETWEEN $3::date AND $4::date
        AND NOT (transaction_id = ANY ($5::text[]))`,
    [connectionId, accountId, window.from, window.to, seenPending],
  );
  return rowCount;
}

/**
 * Links a posted row to the pending it replaced when both carry the same authorization code. Only
 * rows not yet linked are touched, so a sync with nothing new writes nothing here either.
 *
 * The codes of the removed pendings are read first and passed back as an array: the UPDATE then has
 * an index condition on both sides of the join whatever the statistics say. Without it, on a table
 * that grew faster than autovacuum analyzes it (every first backfill), the planner expected one row
 * per side and scanned all of an account's coded rows for each posted row: O(n²), 8–30 s per window
 * at 10,000 rows per account (BENCHMARKS.md). A backfill has no removed pendings: no UPDATE at all.
 */
export async function linkPostedToPendings(tx: Queryable, connectionId: string, accountId: string, since: string): Promise<number> {
  const { rows } = await tx.query<{ code: string }>(
    `SELECT DISTINCT authorization_code AS code FROM citi_sync.transactions
      WHERE connection_id = $1 AND account_id = $2 AND authorization_code IS NOT NULL
        AND status = 'pending' AND removed_at IS NOT NULL`,
    [connectionId, accountId],
  );
  if (rows.length === 0) return 0;
  const { rowCount } = await tx.query(
    `UPDATE citi_sync.transactions p SET replaces_transaction_id = pend.transaction_id
       FROM citi_sync.transactions pend
      WHERE p.connection_id = $1 AND p.account_id = $2 AND p.status = 'posted'
        AND p.replaces_transaction_id IS NULL AND p.authorization_code = ANY ($4::text[])
        AND p.transaction_date >= $3::date
        AND pend.connection_id = p.connection_id AND pend.account_id = p.account_id
        AND pend.status = 'pending' AND pend.removed_at IS NOT NULL
        AND pend.authorization_code = ANY ($4::text[])
        AND pend.authorization_code = p.authorization_code`,
    [connectionId, accountId, since, rows.map((r) => r.code)],
  );
  return rowCount;
}
