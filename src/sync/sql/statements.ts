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
