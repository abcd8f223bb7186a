/**
 * A compact fingerprint of what the simulator serves (one entry per row), so the bench can say
 * exactly which rows a world change added, removed or altered without shipping a million raw rows.
 */
import { SyntheticKeyCounter, contentKey, syntheticKey } from '../../src/citi/syntheticKeys.ts';
import type { TruthAccount } from '../../src/sandbox/index.ts';

export interface DigestEntry {
  accountId: string;
  transactionId: string;
  transactionDate: string;
  /** As the database stores it: anything with a posting date (or not PENDING) has posted. */
  status: 'pending' | 'posted';
  /** |amount| in cents (every bench account is USD). */
  cents: number;
  /** FNV-1a of the served JSON: any change to any field changes it. */
  hash: number;
}

export type Digest = Map<string, DigestEntry>;

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function digestOf(truth: { accounts: TruthAccount[] }): Digest {
  const out: Digest = new Map();
  for (const a of truth.accounts) {
    const ordinals = new SyntheticKeyCounter();
    for (const t of a.transactions) {
      // A row served without an id (US pending rows) under the synthetic key the client derives
      // (contract §6): content plus its ordinal among identical rows, in the order the API pages them.
      const text = (v: unknown) => (typeof v === 'string' ? v : null);
      let id = t.transactionId;
      if (id === null) {
        const content = contentKey({
          accountId: a.accountId,
          transactionDate: t.transactionDate,
          postingDate: t.postingDate,
          amount: t.signedAmount,
          description: text(t.raw.transactionDescription),
          merchantCategoryCode: text(t.raw.merchantCategory) ?? text(t.raw.merchantCategoryCode),
        });
        id = syntheticKey(content, ordinals.next(content));
      }
      out.set(`${a.accountId}|${id}`, {
        accountId: a.accountId,
        transactionId: id,
        transactionDate: t.transactionDate,
        status: t.postingDate || t.status !== 'PENDING' ? 'posted' : 'pending',
        cents: Math.round(Math.abs(t.amount) * 100),
        hash: fnv1a(JSON.stringify(t.raw)),
      });
    }
  }
  return out;
}

export interface DigestDiff {
  /** Changes to rows dated on or after `from` (what a sync of [from, today] can see). */
  inRange: { added: DigestEntry[]; removed: DigestEntry[]; changed: DigestEntry[] };
  /** Changes to older rows: invisible to an incremental sync that starts at `from`. */
  older: { added: number; removed: number; changed: number; changedRows: DigestEntry[] };
  /** Rows dated on or after `from` after the change. */
  rowsInRange: number;
  rowsTotal: number;
}

export function diffDigests(before: Digest, after: Digest, from: string): DigestDiff {
  const diff: DigestDiff = {
    inRange: { added: [], removed: [], changed: [] },
    older: { added: 0, removed: 0, changed: 0, changedRows: [] },
    rowsInRange: 0,
    rowsTotal: after.size,
  };
  for (const [key, e] of after) {
    const inRange = e.transactionDate >= from;
    if (inRange) diff.rowsInRange += 1;
    const old = before.get(key);
    if (!old) {
      if (inRange) diff.inRange.added.push(e);
      else diff.older.added += 1;
    } else if (old.hash !== e.hash) {
      if (inRange) diff.inRange.changed.push(e);
      else {
        diff.older.changed += 1;
        diff.older.changedRows.push(e);
      }
    }
  }
  for (const [key, e] of before) {
    if (after.has(key)) continue;
    if (e.transactionDate >= from) diff.inRange.removed.push(e);
    else diff.older.removed += 1;
  }
  return diff;
}
