import type { CitiTransaction } from '../../citi/index.ts';
import type { Queryable } from '../../db/database.ts';
import { STAGE_COLUMNS, copyLines, encodeRows, parseCopyLine, type StageInput } from '../copyRows.ts';

const names = STAGE_COLUMNS.map(([n]) => n);
const recordDef = STAGE_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ');
const changed = names.filter((n) => n !== 'transaction_id');

/**
 * The write stage: a temporary table of the session, emptied at every commit (ON COMMIT DELETE ROWS
 * truncates it only in transactions that touched it). Created once per session, without a NOTICE.
 */
const ENSURE_STAGE = `DO $$ BEGIN
  IF to_regclass('pg_temp.transactions_stage') IS NULL THEN
    CREATE TEMP TABLE transactions_stage (${recordDef}) ON COMMIT DELETE ROWS;
  END IF;
END $$`;

const COPY_STAGE = `COPY pg_temp.transactions_stage (${names.join(', ')}) FROM STDIN`;

/**
 * Without COPY (a handle that lacks it): the same lines, read back into their columns' text, as one
 * multi-row statement; each value is cast as COPY would read it.
 */
const INSERT_STAGE = `INSERT INTO pg_temp.transactions_stage (${names.join(', ')})
  SELECT ${STAGE_COLUMNS.map(([, t], i) => `(r->>${i})::${t}`).join(', ')} FROM json_array_elements($1::json) AS r`;

/**
 * One set-based merge of the whole stage into the table. A row whose values are unchanged is not
 * rewritten (the WHERE on the conflict branch), so a sync that finds nothing new leaves the table
 * untouched; a removed row that comes back is restored. The stage holds each id once (the writer
 * keeps the last copy of a repeated row): ON CONFLICT may touch a row only once per statement.
 */
export const MERGE_STAGE = `
WITH previously_removed AS (
  SELECT t.transaction_id FROM citi_sync.transactions t
   WHERE t.connection_id = $1 AND t.account_id = $2 AND t.removed_at IS NOT NULL
     AND t.transaction_id IN (SELECT transaction_id FROM pg_temp.transactions_stage)
), written AS (
  INSERT INTO citi_sync.transactions AS t (connection_id, account_id, ${names.join(', ')})
  SELECT $1, $2, ${names.map((n) => `s.${n}`).join(', ')} FROM pg_temp.transactions_stage s
  ON CONFLICT (connection_id, account_id, transaction_id) DO UPDATE SET
    ${changed.map((n) => `${n} = excluded.${n}`).join(',\n    ')},
    updated_at = now(),
    removed_at = NULL
  WHERE t.removed_at IS NOT NULL
     OR (${changed.map((n) => `t.${n}`).join(', ')}) IS DISTINCT FROM (${changed.map((n) => `excluded.${n}`).join(', ')})
  RETURNING t.transaction_id, (xmax = 0) AS inserted
)
SELECT
  count(*) FILTER (WHERE w.inserted)::int AS inserted,
  count(*) FILTER (WHERE NOT w.inserted AND p.transaction_id IS NULL)::int AS updated,
  count(p.transaction_id)::int AS restored
FROM written w LEFT JOIN previously_removed p USING (transaction_id)`;

export interface PageWriteResult {
  inserted: number;
  updated: number;
  restored: number;
  unchanged: number;
}

/** The row as a record keyed by column (the multi-row fallback, the bench's naive writer). */
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
 * Encoded lines as one JSON array of their columns' text for the fallback. The text is made well
 * formed (a lone surrogate becomes U+FFFD, as UTF-8 encoding does for COPY): json rejects its escape.
 */
function linesJson(text: string): string {
  return JSON.stringify(copyLines(text).map((line) => parseCopyLine(line).map((v) => v?.toWellFormed() ?? null)));
}

/**
 * Writes a batch of one account's rows (each id once, encoded by copyRows.ts) into the table, inside
 * the caller's transaction: COPY into the session's stage, then one merge. Returns exact counts;
 * `repeats` rows that were dropped as earlier copies of a later row count as unchanged, as a page's
 * repeats always did.
 */
export async function writeEncodedBatch(tx: Queryable, connectionId: string, accountId: string, input: StageInput, repeats = 0): Promise<PageWriteResult> {
  const count = input.rows;
  if (count === 0) return { inserted: 0, updated: 0, restored: 0, unchanged: repeats };
  await tx.query(ENSURE_STAGE);
  if (tx.copyFrom) await tx.copyFrom(COPY_STAGE, input.pieces);
  else await tx.query(INSERT_STAGE, [linesJson(input.pieces.join(''))]);
  const { rows: out } = await tx.query<{ inserted: number; updated: number; restored: number }>(MERGE_STAGE, [connectionId, accountId]);
  const r = out[0] ?? { inserted: 0, updated: 0, restored: 0 };
  return { ...r, unchanged: count + repeats - r.inserted - r.updated - r.restored };
}

/** writeEncodedBatch for rows not yet encoded (each id once). */
export function writeTransactionBatch(tx: Queryable, connectionId: string, accountId: string, rows: Map<string, CitiTransaction>, repeats = 0): Promise<PageWriteResult> {
  return writeEncodedBatch(tx, connectionId, accountId, { rows: rows.size, pieces: [encodeRows([...rows.values()]).text] }, repeats);
}

/**
 * After windows were walked to the end: pending rows dated inside one of them that the bank no
 * longer showed in it have posted (under a new id) or expired. They are kept for audit, marked
 * removed. One statement for every window a batch closes (a backfill closes a window per request
 * or two, and a statement each was a visible share of the engine's CPU); a row is marked once even
 * if two of the windows hold its date, as when they were closed one after the other.
 */
export async function markVanishedPendings(
  tx: Queryable,
  connectionId: string,
  accountId: string,
  windows: ReadonlyArray<{ from: string; to: string; seenPending: readonly string[] }>,
): Promise<number> {
  if (windows.length === 0) return 0;
  const { rowCount } = await tx.query(
    `UPDATE citi_sync.transactions t SET removed_at = now(), updated_at = now()
       FROM jsonb_to_recordset($3::jsonb) AS w(lo date, hi date, seen text[])
      WHERE t.connection_id = $1 AND t.account_id = $2 AND t.status = 'pending' AND t.removed_at IS NULL
        AND t.transaction_date BETWEEN w.lo AND w.hi
        AND NOT (t.transaction_id = ANY (w.seen))`,
    [connectionId, accountId, JSON.stringify(windows.map((w) => ({ lo: w.from, hi: w.to, seen: w.seenPending })))],
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
