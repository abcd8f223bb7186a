/**
 * "The database equals the bank": every live transaction row compared with the simulator's ground
 * truth, field by field, plus the sync bookkeeping that must be clean after a finished sync.
 *
 * - missing: in the bank (inside the synced range) but not live in the database (lost);
 * - extra:   live in the database but not in the bank (a doubled pending/posted pair, a row that
 *            vanished and was not removed);
 * - stale:   in both, but a field differs (amount, status, dates, or the raw payload).
 */
import type { Database } from '../../../src/db/database.ts';
import type { Sandbox } from '../../../src/sandbox/index.ts';

export interface Exactness {
  /** Rows compared (truth rows in range). */
  compared: number;
  missing: string[];
  extra: string[];
  stale: string[];
  accountsMissing: string[];
  accountsStale: string[];
  /** sync_windows rows left for the connection (a finished sync leaves none). */
  openWindows: number;
  /** Accounts of the connection with no watermark, or a watermark before `to`. */
  watermarksBehind: string[];
}

interface Row {
  account_id: string;
  transaction_id: string;
  status: string;
  amount: string;
  transaction_date: string;
  posting_date: string | null;
  raw: unknown;
}

/** JSON with sorted keys, so jsonb's key order does not matter. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The amount the database must hold, signed by contract §4 (negative = money leaving the customer),
 * written out here rather than taken from src/citi so a wrong sign there cannot hide: cards come
 * with charges positive (flipped); other accounts are positive with a DEBIT/CREDIT memo.
 */
function signedAmount(accountType: string, raw: Record<string, unknown>): string {
  const amt = raw.transactionAmount as number;
  if (amt === 0) return '0';
  if (accountType === 'creditCard') return String(-amt);
  return String(raw.debitCreditMemo === 'DEBIT' && amt > 0 ? -amt : amt);
}

export async function exactness(db: Database, sandbox: Sandbox, connectionId: string, userId: string, range: { from: string; to: string }): Promise<Exactness> {
  const { rows } = await db.query<Row>(
    `SELECT account_id, transaction_id, status, amount, transaction_date, posting_date, raw
       FROM citi_sync.transactions WHERE connection_id = $1 AND removed_at IS NULL`,
    [connectionId],
  );
  const live = new Map(rows.map((r) => [`${r.account_id}|${r.transaction_id}`, r]));
  const out: Exactness = { compared: 0, missing: [], extra: [], stale: [], accountsMissing: [], accountsStale: [], openWindows: 0, watermarksBehind: [] };
  const truth = sandbox.truth(userId).accounts;
  const expectedKeys = new Set<string>();
  for (const a of truth) {
    for (const t of a.transactions) {
      if (t.transactionId === null || t.transactionDate < range.from || t.transactionDate > range.to) continue;
      const key = `${a.accountId}|${t.transactionId}`;
      expectedKeys.add(key);
      out.compared++;
      const r = live.get(key);
      if (!r) {
        out.missing.push(key);
        continue;
      }
      const status = t.status === 'PENDING' ? 'pending' : 'posted';
      const diffs: string[] = [];
      if (r.status !== status) diffs.push(`status ${r.status}≠${status}`);
      const want = signedAmount(a.type, t.raw);
      if (r.amount.replace(/^-0$/, '0') !== want) diffs.push(`amount ${r.amount}≠${want}`);
      if (r.transaction_date !== t.transactionDate) diffs.push(`date ${r.transaction_date}≠${t.transactionDate}`);
      if ((r.posting_date ?? null) !== t.postingDate) diffs.push(`posting ${r.posting_date}≠${t.postingDate}`);
      if (canonical(r.raw) !== canonical(t.raw)) diffs.push('raw differs');
      if (diffs.length) out.stale.push(`${key}: ${diffs.join(', ')}`);
    }
  }
  for (const [key, r] of live) {
    if (!expectedKeys.has(key) && r.transaction_date >= range.from && r.transaction_date <= range.to) out.extra.push(key);
    // A live row outside the range is extra too: the synced range is all the database may hold.
    else if (!expectedKeys.has(key)) out.extra.push(`${key} (outside ${range.from}..${range.to})`);
  }

  const { rows: accts } = await db.query<{ account_id: string; current_balance: string | null; status: string | null }>(
    `SELECT account_id, current_balance, status FROM citi_sync.accounts WHERE connection_id = $1`,
    [connectionId],
  );
  const byId = new Map(accts.map((a) => [a.account_id, a]));
  for (const a of truth) {
    const s = byId.get(a.accountId);
    if (!s) out.accountsMissing.push(a.accountId);
    else if (s.status !== a.status || Number(s.current_balance) !== a.currentBalance) {
      out.accountsStale.push(`${a.accountId}: balance ${s.current_balance}≠${a.currentBalance} status ${s.status}≠${a.status}`);
    }
  }

  const { rows: w } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.sync_windows WHERE connection_id = $1`, [connectionId]);
  out.openWindows = w[0]?.n ?? 0;
  const { rows: behind } = await db.query<{ account_id: string; watermark: string | null; last_window_to: string | null }>(
    `SELECT a.account_id, s.watermark, s.last_window_to FROM citi_sync.accounts a
       LEFT JOIN citi_sync.sync_state s USING (connection_id, account_id)
      WHERE a.connection_id = $1 AND (s.watermark IS NULL OR s.watermark < $2::date)`,
    [connectionId, range.to],
  );
  out.watermarksBehind = behind.map((r) => `${r.account_id} (watermark ${r.watermark}, planned to ${r.last_window_to})`);
  return out;
}

/** Human-readable problems; empty when the database is exact and the bookkeeping clean. */
export function problems(e: Exactness): string[] {
  const p: string[] = [];
  const few = (xs: string[]) => xs.slice(0, 5).join('; ') + (xs.length > 5 ? ` … (+${xs.length - 5})` : '');
  if (e.missing.length) p.push(`${e.missing.length} rows missing: ${few(e.missing)}`);
  if (e.extra.length) p.push(`${e.extra.length} rows extra: ${few(e.extra)}`);
  if (e.stale.length) p.push(`${e.stale.length} rows stale: ${few(e.stale)}`);
  if (e.accountsMissing.length) p.push(`accounts missing: ${few(e.accountsMissing)}`);
  if (e.accountsStale.length) p.push(`accounts stale: ${few(e.accountsStale)}`);
  if (e.openWindows) p.push(`${e.openWindows} sync_windows left open`);
  if (e.watermarksBehind.length) p.push(`watermark missing or behind on: ${few(e.watermarksBehind)}`);
  return p;
}
