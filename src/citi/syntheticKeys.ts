import { createHash } from 'node:crypto';

/**
 * Contract §6: some responses carry no `transactionId`. Such a row gets a key derived from its content
 * (account, transaction date, posting date, amount, description, merchant category) plus its ordinal
 * among otherwise identical rows of that account and day, so that
 * - fetching the same data again yields the same keys (the upsert stays idempotent), and
 * - two genuinely identical purchases on one day stay two rows (ordinals 0 and 1).
 *
 * Hazard: offsets are live (§4); if a page boundary shifts and an identical row is served twice in one
 * walk, the repeat gets the next ordinal and looks like a new row. The next sync's overlap cannot
 * detect that; only an id from the bank can.
 */
export interface SyntheticKeyParts {
  accountId: string;
  transactionDate: string;
  postingDate: string | null;
  amount: string;
  description: string | null;
  merchantCategoryCode: string | null;
}

export const SYNTHETIC_PREFIX = 'syn:';

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Identifies "otherwise identical" rows: the content without the ordinal. */
export function contentKey(p: SyntheticKeyParts): string {
  return sha256Hex(
    JSON.stringify(['v1', p.accountId, p.transactionDate, p.postingDate, p.amount, p.description, p.merchantCategoryCode]),
  ).slice(0, 32);
}

export function syntheticKey(content: string, ordinal: number): string {
  return SYNTHETIC_PREFIX + sha256Hex(`${content}#${ordinal}`).slice(0, 32);
}

export interface SyntheticKeyState {
  version: 1;
  counts: Record<string, number>;
}

/**
 * Counts identical rows across the pages of one window walk. A walk that resumes mid-window from a
 * checkpoint must restore the counter saved with that checkpoint (`toJSON` / `from`), or ordinals
 * restart at 0 and later duplicates collide with earlier ones.
 */
export class SyntheticKeyCounter {
  private readonly counts = new Map<string, number>();

  /** The row's ordinal among identical rows seen so far in this walk; counts it. */
  next(content: string): number {
    const n = this.counts.get(content) ?? 0;
    this.counts.set(content, n + 1);
    return n;
  }

  get size(): number {
    return this.counts.size;
  }

  /** Nothing counted yet (no row without an id so far): there is no state worth checkpointing. */
  isEmpty(): boolean {
    return this.counts.size === 0;
  }

  /** A copy to count a page on; `adopt` it once the page parsed, drop it if the page failed. */
  clone(): SyntheticKeyCounter {
    const c = new SyntheticKeyCounter();
    for (const [k, v] of this.counts) c.counts.set(k, v);
    return c;
  }

  /** Takes over the counts of a clone. */
  adopt(other: SyntheticKeyCounter): void {
    this.counts.clear();
    for (const [k, v] of other.counts) this.counts.set(k, v);
  }

  toJSON(): SyntheticKeyState {
    return { version: 1, counts: Object.fromEntries(this.counts) };
  }

  static from(json: unknown): SyntheticKeyCounter {
    const state = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
    const counter = new SyntheticKeyCounter();
    if (state === null || state === undefined) return counter;
    const s = state as Partial<SyntheticKeyState>;
    if (s.version !== 1 || typeof s.counts !== 'object' || s.counts === null) {
      throw new TypeError('not a saved SyntheticKeyCounter (expected { version: 1, counts })');
    }
    for (const [k, v] of Object.entries(s.counts)) {
      if (!/^[0-9a-f]{32}$/.test(k) || !Number.isSafeInteger(v) || v < 0) {
        throw new TypeError(`bad SyntheticKeyCounter entry ${JSON.stringify(k)}`);
      }
      counter.counts.set(k, v);
    }
    return counter;
  }
}
