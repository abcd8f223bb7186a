/**
 * "The database equals the bank": every live transaction row compared with the simulator's ground
 * truth, field by field, plus the sync bookkeeping that must be clean after a finished sync.
 *
 * - missing: in the bank (inside the synced range) but not live in the database (lost);
 * - extra:   live in the database but not in the bank (a doubled pending/posted pair, a row that
 *            vanished and was not removed);
 * - stale:   in both, but a field differs (amount, status, dates, or the raw payload).
 *
 * Exact in either dialect (US v2 and Asia-Pacific v1): amounts are compared with the simulator's
 * signed amount; rows served without an id are looked for under the synthetic key the client must
 * derive (contract §6); accounts are compared with the object the dialect serves (a field it does
 * not send is stored as null).
 */
import { Big } from 'big.js';
import { SyntheticKeyCounter, contentKey, syntheticKey } from '../../../src/citi/syntheticKeys.ts';
import type { Database } from '../../../src/db/database.ts';
import type { Sandbox, TruthAccount, TruthTransaction } from '../../../src/sandbox/index.ts';

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
  id_synthetic: boolean;
  status: string;
  amount: string;
  transaction_date: string;
  posting_date: string | null;
  raw: unknown;
}

interface AccountRow {
  account_id: string;
  account_type: string | null;
  currency_code: string | null;
  status: string | null;
  current_balance: string | null;
  available_balance: string | null;
  credit_limit: string | null;
  balance_type: string | null;
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

/** A served text field as the client reads it (absent is null). */
function textOf(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * The key the database must hold the row under: the bank's id, or for a row served without one
 * (US pending rows, the 'noIds' shape) the synthetic key of contract §6, computed with the client's
 * own key functions (src/citi/syntheticKeys.ts) from the truth's values, the SIGNED amount being
 * the simulator's `signedAmount` (not the client's), with the ordinal counted among otherwise
 * identical id-less rows of the account in the order the API pages them (truth order, newest first).
 * Identical content means the same transaction date, so all of them fall in one window walk.
 */
function expectedKey(a: TruthAccount, t: TruthTransaction, ordinals: SyntheticKeyCounter): { key: string; synthetic: boolean } {
  if (t.transactionId !== null) return { key: t.transactionId, synthetic: false };
  const content = contentKey({
    accountId: a.accountId,
    transactionDate: t.transactionDate,
    postingDate: t.postingDate,
    amount: t.signedAmount,
    description: textOf(t.raw.transactionDescription),
    merchantCategoryCode: textOf(t.raw.merchantCategory) ?? textOf(t.raw.merchantCategoryCode),
  });
  return { key: syntheticKey(content, ordinals.next(content)), synthetic: true };
}

/** What identifies an id-less row apart from its key, to name a mis-keyed row as such. */
function looseContent(accountId: string, transactionDate: string, postingDate: string | null, raw: unknown): string {
  const r = (raw ?? {}) as Record<string, unknown>;
  return canonical([accountId, transactionDate, postingDate, r.transactionDescription ?? null, r.transactionAmount ?? null]);
}

/** Owed kinds store what they owe when the object carries no currentBalance (src/citi/normalize.ts). */
const OWED_TYPES = new Set(['creditCard', 'loan', 'lineOfCredit']);

/** The columns the account row must hold, from the object the dialect serves (contract §3). */
function expectedAccount(a: TruthAccount): Omit<AccountRow, 'account_id' | 'raw'> {
  const b = a.balances;
  const served = a.served;
  return {
    account_type: a.type,
    // US loans, brokerage and retirement accounts serve no accountStatus; investments no currencyCode.
    currency_code: textOf(served.currencyCode),
    status: textOf(served.accountStatus),
    current_balance: b.current ?? (OWED_TYPES.has(a.type) ? (b.outstanding ?? b.principal) : null),
    available_balance: b.available,
    credit_limit: b.creditLimit,
    balance_type: textOf(served.balanceType) ?? textOf(served.accountClassification),
  };
}

/** Decimal text compared by value (numeric may print 12.50 for a served 12.5); null only equals null. */
function sameDecimal(stored: string | null, want: string | null): boolean {
  if (stored === null || want === null) return stored === want;
  return new Big(stored).eq(new Big(want));
}

export async function exactness(db: Database, sandbox: Sandbox, connectionId: string, userId: string, range: { from: string; to: string }): Promise<Exactness> {
  const { rows } = await db.query<Row>(
    `SELECT account_id, transaction_id, id_synthetic, status, amount::text AS amount, transaction_date::text AS transaction_date,
            posting_date::text AS posting_date, raw
       FROM citi_sync.transactions WHERE connection_id = $1 AND removed_at IS NULL`,
    [connectionId],
  );
  const live = new Map(rows.map((r) => [`${r.account_id}|${r.transaction_id}`, r]));
  const out: Exactness = { compared: 0, missing: [], extra: [], stale: [], accountsMissing: [], accountsStale: [], openWindows: 0, watermarksBehind: [] };
  const truth = sandbox.truth(userId).accounts;
  const expectedKeys = new Set<string>();
  /** Id-less truth rows with no row under their key: paired with left-over synthetic rows below. */
  const unmatched = new Map<string, string[]>();
  for (const a of truth) {
    const ordinals = new SyntheticKeyCounter();
    for (const t of a.transactions) {
      // Ordinals count every id-less row the API pages, so count before filtering on the range.
      const { key: id, synthetic } = expectedKey(a, t, ordinals);
      if (t.transactionDate < range.from || t.transactionDate > range.to) continue;
      const key = `${a.accountId}|${id}`;
      expectedKeys.add(key);
      out.compared++;
      const r = live.get(key);
      if (!r) {
        if (synthetic) {
          const loose = looseContent(a.accountId, t.transactionDate, t.postingDate, t.raw);
          unmatched.set(loose, [...(unmatched.get(loose) ?? []), key]);
        } else out.missing.push(key);
        continue;
      }
      const status = t.status === 'PENDING' ? 'pending' : 'posted';
      const diffs: string[] = [];
      if (r.id_synthetic !== synthetic) diffs.push(`id_synthetic ${r.id_synthetic}≠${synthetic}`);
      if (r.status !== status) diffs.push(`status ${r.status}≠${status}`);
      // The simulator's own signed amount (contract §4), not src/citi's, so a wrong sign there cannot hide.
      if (!sameDecimal(r.amount, t.signedAmount)) diffs.push(`amount ${r.amount}≠${t.signedAmount}`);
      if (r.transaction_date !== t.transactionDate) diffs.push(`date ${r.transaction_date}≠${t.transactionDate}`);
      if ((r.posting_date ?? null) !== t.postingDate) diffs.push(`posting ${r.posting_date}≠${t.postingDate}`);
      if (canonical(r.raw) !== canonical(t.raw)) diffs.push('raw differs');
      if (diffs.length) out.stale.push(`${key}: ${diffs.join(', ')}`);
    }
  }
  for (const [key, r] of live) {
    if (expectedKeys.has(key)) continue;
    // A synthetic row holding an id-less truth row under another key: the content matches but the
    // key (amount sign, ordinal, …) does not. Stale, named with what differs; still a problem.
    const loose = looseContent(r.account_id, r.transaction_date, r.posting_date, r.raw);
    const pending = r.id_synthetic ? unmatched.get(loose) : undefined;
    if (pending?.length) {
      const want = pending.shift() as string;
      out.stale.push(`${want}: stored under ${r.transaction_id} (amount ${r.amount})`);
      continue;
    }
    if (r.transaction_date >= range.from && r.transaction_date <= range.to) out.extra.push(key);
    // A live row outside the range is extra too: the synced range is all the database may hold.
    else out.extra.push(`${key} (outside ${range.from}..${range.to})`);
  }
  for (const keys of unmatched.values()) out.missing.push(...keys);

  const { rows: accts } = await db.query<AccountRow>(
    `SELECT account_id, account_type, currency_code, status, current_balance::text AS current_balance,
            available_balance::text AS available_balance, credit_limit::text AS credit_limit, balance_type, raw
       FROM citi_sync.accounts WHERE connection_id = $1`,
    [connectionId],
  );
  const byId = new Map(accts.map((a) => [a.account_id, a]));
  for (const a of truth) {
    const s = byId.get(a.accountId);
    if (!s) {
      out.accountsMissing.push(a.accountId);
      continue;
    }
    const want = expectedAccount(a);
    const diffs: string[] = [];
    for (const col of ['account_type', 'currency_code', 'status', 'balance_type'] as const) {
      if (s[col] !== want[col]) diffs.push(`${col} ${s[col]}≠${want[col]}`);
    }
    for (const col of ['current_balance', 'available_balance', 'credit_limit'] as const) {
      if (!sameDecimal(s[col], want[col])) diffs.push(`${col} ${s[col]}≠${want[col]}`);
    }
    if (canonical(s.raw) !== canonical(a.served)) diffs.push('raw differs');
    if (diffs.length) out.accountsStale.push(`${a.accountId}: ${diffs.join(', ')}`);
  }
  for (const s of accts) if (!truth.some((a) => a.accountId === s.account_id)) out.accountsStale.push(`${s.account_id}: not listed by the bank`);

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
