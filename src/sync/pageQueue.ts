/**
 * The hand-over between the fetchers of one account (its window walks) and its writer: a FIFO
 * bounded by weight (rows), so memory stays bounded whichever side is slower. A fetcher waits in
 * `put` while the queue is full; the writer takes everything queued, up to a batch, in `take`.
 *
 * Order is kept per producer: a window's pages reach the writer in the order they were fetched,
 * which its cursor requires.
 */
export class PageQueue<T> {
  readonly #items: Array<{ item: T; weight: number }> = [];
  #queued = 0;
  #closed = false;
  #failure: { err: unknown } | undefined;
  #wakeTaker: (() => void) | undefined;
  readonly #waitingPutters: Array<() => void> = [];

  /**
   * @param capacity weight above which `put` waits (a single item heavier than it still passes
   *   when the queue is empty, so no page can block forever).
   */
  constructor(readonly capacity: number) {}

  get queuedWeight(): number {
    return this.#queued;
  }

  /** Queues an item, waiting while the queue is full. Rejects once the queue failed. */
  async put(item: T, weight: number): Promise<void> {
    while (!this.#failure && this.#queued > 0 && this.#queued + weight > this.capacity) {
      await new Promise<void>((resolve) => this.#waitingPutters.push(resolve));
    }
    if (this.#failure) throw this.#failure.err;
    if (this.#closed) throw new Error('PageQueue: put after close');
    this.#items.push({ item, weight });
    this.#queued += weight;
    this.#wake();
  }

  /**
   * Waits until at least `minWeight` is queued, the queue is closed, or `lingerMs` passed since the
   * first item was there, then takes items in order up to `maxWeight` (always at least one).
   * Resolves with [] once the queue is closed and empty. Rejects once the queue failed.
   */
  async take(minWeight: number, maxWeight: number, lingerMs: number): Promise<T[]> {
    let deadline: number | undefined;
    for (;;) {
      if (this.#failure) throw this.#failure.err;
      if (this.#items.length > 0) {
        deadline ??= Date.now() + lingerMs;
        if (this.#closed || this.#queued >= minWeight || Date.now() >= deadline) break;
      } else if (this.#closed) {
        return [];
      }
      await new Promise<void>((resolve) => {
        const timer = deadline === undefined ? undefined : setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.#wakeTaker = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeTaker = undefined;
    }
    const out: T[] = [];
    let taken = 0;
    while (this.#items.length > 0 && (out.length === 0 || taken + this.#items[0]!.weight <= maxWeight)) {
      const { item, weight } = this.#items.shift()!;
      out.push(item);
      taken += weight;
    }
    this.#queued -= taken;
    for (const resolve of this.#waitingPutters.splice(0)) resolve();
    return out;
  }

  /** No more items will come: `take` drains what is queued, then resolves with []. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** The consumer or a producer failed: every waiting and later `put` and `take` rejects with err. */
  fail(err: unknown): void {
    this.#failure ??= { err };
    this.#wake();
    for (const resolve of this.#waitingPutters.splice(0)) resolve();
  }

  #wake(): void {
    this.#wakeTaker?.();
  }
}
