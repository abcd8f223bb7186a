/**
 * The bound on fetched pages not yet committed, across every account a process syncs at once. Each
 * account's queue (pageQueue.ts) bounds its own rows, but 4 accounts × (a batch being written, a
 * queue filling behind it, a page per window walk waiting to get in) held ~25,000 rows on a 1M-row
 * backfill, whose quarter windows come back in one answer of ~1,250 rows each; V8 let the heap grow
 * to 3–4× that live set before collecting, so the peak RSS grew with rows per account (issue #13).
 *
 * A walk reserves room before it requests a page, and the page's COPY text is held against the
 * budget until the batch that carries it commits. A page's size is known only once it has arrived,
 * so a reservation is the running mean of the pages so far; a page bigger than expected passes the
 * limit by the difference, and the walks then wait until enough is committed: a huge answer makes
 * the others wait instead of stacking more.
 */
export class PageBudget {
  #held = 0;
  /** What the next page is expected to weigh: a running mean of the pages that arrived. */
  #estimate: number;
  readonly #waiting: Array<() => void> = [];

  /** @param limit characters of COPY text held (or expected on the wire) at most before walks wait. */
  constructor(readonly limit: number) {
    // Before any page arrived: at most 8 requests at once, whatever their answers weigh.
    this.#estimate = Math.ceil(limit / 8);
  }

  /** Characters held or reserved, across every share. */
  get held(): number {
    return this.#held;
  }

  /** An account's share: what it holds, given back in full when the account is done, however it ends. */
  account(): PageBudgetShare {
    let held = 0;
    const release = (chars: number) => {
      const n = Math.min(chars, held);
      held -= n;
      this.#release(n);
    };
    return {
      reserve: async (signal) => {
        const chars = await this.#reserve(signal);
        held += chars;
        return chars;
      },
      arrived: (reserved, chars) => {
        this.#estimate = Math.ceil(0.75 * this.#estimate + 0.25 * chars);
        held += chars;
        this.#held += chars;
        release(reserved);
      },
      give: release,
      close: () => release(held),
    };
  }

  /**
   * Waits until the expected page fits (or nothing at all is held: one page always passes, however
   * big), then reserves it. Rejects with the signal's reason if it aborts first.
   */
  async #reserve(signal: AbortSignal | undefined): Promise<number> {
    for (;;) {
      signal?.throwIfAborted();
      const chars = this.#estimate;
      if (this.#held === 0 || this.#held + chars <= this.limit) {
        this.#held += chars;
        return chars;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiting.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  #release(chars: number): void {
    if (chars <= 0) return;
    this.#held -= chars;
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

export interface PageBudgetShare {
  /** Before a request: waits for room for the page it will bring, and reserves it. Resolves with the reservation. */
  reserve(signal?: AbortSignal): Promise<number>;
  /** The page arrived: its text is held now, in place of what was reserved for it. */
  arrived(reserved: number, chars: number): void;
  /** A batch committed (or was given up): its pages' text is no longer held. */
  give(chars: number): void;
  /** Gives back whatever is still held or reserved (pages a failed account dropped, a request that failed). */
  close(): void;
}

/**
 * Characters of COPY text per account synced at once: about one minimum batch (DEFAULT_BATCH.minRows,
 * 1,000 rows of ~1.3 KB) each. At the default 4 accounts that is 6 MiB; on the 1M-row backfill it
 * took the heap's live set from ~40 MB to ~25–30 MB (with 16 MiB it stayed at ~40).
 */
export const PAGE_BUDGET_CHARS_PER_ACCOUNT = 1.5 * 1024 * 1024;

const byClient = new WeakMap<object, PageBudget>();

/**
 * The budget of every sync that fetches through `client`: one per client, as its request gate is,
 * sized for `accountConcurrency` accounts at once, unless one is given.
 */
export function pageBudgetFor(client: object, accountConcurrency: number, given: PageBudget | undefined): PageBudget {
  if (given) return given;
  let budget = byClient.get(client);
  if (!budget) {
    budget = new PageBudget(PAGE_BUDGET_CHARS_PER_ACCOUNT * Math.max(1, accountConcurrency));
    byClient.set(client, budget);
  }
  return budget;
}
