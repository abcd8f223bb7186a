import type { Queryable } from '../../db/database.ts';

/** Bound on the accounts `status` lists per connection (a connection has a handful; a bug must not flood). */
const MAX_ACCOUNT_PROBLEMS = 50;

export interface AccountProblem {
  connectionId: string;
  accountId: string;
  /** `failed`: its latest run failed (a connection run that has closed); `retrying`: failed, run still open. */
  state: 'failed' | 'retrying';
  reason: string;
  /** The page being fetched when it failed. */
  page: string | null;
  at: string;
}

/**
 * The accounts whose latest attempt in each connection's latest run did not succeed, with the
 * reason: "1 of 8 accounts failed" says which, and a run still open with a failing account shows it
 * as retrying instead of plain "running".
 */
export async function accountProblems(q: Queryable): Promise<AccountProblem[]> {
  const { rows } = await q.query<{ connection_id: string; account_id: string; run_status: string; error: string | null; error_page: string | null; at: Date }>(
    `WITH latest AS (
       SELECT DISTINCT ON (connection_id) id, connection_id, status
         FROM citi_sync.sync_runs WHERE account_id IS NULL
        ORDER BY connection_id, started_at DESC
     ), attempts AS (
       SELECT DISTINCT ON (a.connection_id, a.account_id) a.connection_id, a.account_id, a.status, a.error,
              a.error_page::text AS error_page, coalesce(a.finished_at, a.started_at) AS at, l.status AS run_status
         FROM latest l JOIN citi_sync.sync_runs a ON a.parent_id = l.id
        ORDER BY a.connection_id, a.account_id, a.started_at DESC
     )
     SELECT connection_id, account_id, run_status, error, error_page, at FROM attempts
      WHERE status = 'failed'
      ORDER BY connection_id, account_id
      LIMIT $1`,
    [MAX_ACCOUNT_PROBLEMS * 20],
  );
  const perConnection = new Map<string, number>();
  const out: AccountProblem[] = [];
  for (const r of rows) {
    const n = (perConnection.get(r.connection_id) ?? 0) + 1;
    perConnection.set(r.connection_id, n);
    if (n > MAX_ACCOUNT_PROBLEMS) continue;
    out.push({
      connectionId: r.connection_id,
      accountId: r.account_id,
      state: r.run_status === 'running' ? 'retrying' : 'failed',
      reason: r.error ?? 'failed',
      page: r.error_page,
      at: r.at.toISOString(),
    });
  }
  return out;
}
