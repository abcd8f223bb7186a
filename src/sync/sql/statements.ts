import type { CitiStatement } from '../../citi/index.ts';
import type { Queryable } from '../../db/database.ts';
import { cleanJson } from '../../citi/index.ts';

/** Card statements: immutable once issued, so stored once and never updated. */
export async function storedStatementIds(q: Queryable, connectionId: string, accountId: string): Promise<Set<string>> {
  const { rows } = await q.query<{ statement_id: string }>(
    `SELECT statement_id FROM citi_sync.statements WHERE connection_id = $1 AND account_id = $2`,
    [connectionId, accountId],
  );
  return new Set(rows.map((r) => r.statement_id));
}

/** When Citi last said this card has no statements (404), or null if it never did or offers them now. */
export async function statementsNotOfferedAt(q: Queryable, connectionId: string, accountId: string): Promise<Date | null> {
  const { rows } = await q.query<{ at: Date | null }>(
    `SELECT statements_not_offered_at AS at FROM citi_sync.accounts WHERE connection_id = $1 AND account_id = $2`,
    [connectionId, accountId],
  );
  return rows[0]?.at ?? null;
}

/** Records (a date) or clears (null) Citi's "no statements for this card". */
export async function markStatementsNotOffered(q: Queryable, connectionId: string, accountId: string, at: Date | null): Promise<void> {
  await q.query(
    `UPDATE citi_sync.accounts SET statements_not_offered_at = $3
      WHERE connection_id = $1 AND account_id = $2 AND statements_not_offered_at IS DISTINCT FROM $3`,
    [connectionId, accountId, at],
  );
}

export async function insertStatement(q: Queryable, connectionId: string, accountId: string, s: CitiStatement): Promise<void> {
  await q.query(
    `INSERT INTO citi_sync.statements (connection_id, account_id, statement_id, statement_date, beginning_balance,
       ending_balance, total_debits, total_credits, minimum_due, credit_limit, past_due, payment_due_date, raw, fetched_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
     ON CONFLICT (connection_id, account_id, statement_id) DO NOTHING`,
    [
      connectionId,
      accountId,
      s.statementId,
      s.statementDate,
      s.beginningBalance,
      s.endingBalance,
      s.totalDebits,
      s.totalCredits,
      s.minimumDue,
      s.creditLimit,
      s.pastDue,
      s.paymentDueDate,
      JSON.stringify(cleanJson(s.raw)),
    ],
  );
}
