/**
 * The client-wide request budget. Every request (resource and token calls, first tries and retries)
 * passes `acquire()` right before it is sent, so one gate bounds the whole client however many syncs
 * run concurrently.
 *
 * Kept minimal and async on purpose: a Redis-backed gate will implement the same interface to share
 * one budget (and one Retry-After pause) between processes.
 */
export interface RequestGate {
  /** Resolves when one request may be sent now; rejects with the signal's reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /**
   * No request may be sent for the next `ms` (a 429's Retry-After). A longer pause extends the current
   * one; a shorter one never shortens it.
   */
  pauseFor(ms: number): void | Promise<void>;
}

export interface TokenBucketOptions {
  /** Sustained requests per second. */
  perSecond: number;
  /**
   * Requests that may leave back to back after a quiet spell.
   * @defaultValue max(1, ceil(perSecond))
   */
  burst?: number;
  /**
   * Longest pause honoured, whoever asks (the executor already refuses longer Retry-Afters; this is
   * the gate's own bound). @defaultValue 300000 (CITI_MAX_RETRY_AFTER_S's default)
   */
  maxPauseMs?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** Below this a slot is minutes away: a misconfiguration, refused (CITI_MAX_REQUESTS_PER_SECOND's minimum). */
export const MIN_REQUESTS_PER_SECOND = 0.01;

/**
 * Longest single timer. Node clamps a delay above 2^31-1 ms to 1 ms with a TimeoutOverflowWarning: a
 * busy loop. Longer waits are taken in steps of at most this, re-checking each time.
 */
export const MAX_TIMER_MS = 60_000;

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A token bucket with a FIFO queue: waiters are served strictly in arrival order, so a steady stream
 * of new callers cannot starve an old one.
 */
export class TokenBucketGate implements RequestGate {
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly maxPauseMs: number;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private readonly queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = 0;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.perSecond >= MIN_REQUESTS_PER_SECOND) || !Number.isFinite(opts.perSecond)) {
      throw new RangeError(`perSecond must be a number >= ${MIN_REQUESTS_PER_SECOND}, got ${opts.perSecond}`);
    }
    const burst = opts.burst ?? Math.max(1, Math.ceil(opts.perSecond));
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be a positive integer, got ${burst}`);
    this.rate = opts.perSecond;
    this.burst = burst;
    this.now = opts.now ?? Date.now;
    this.maxPauseMs = opts.maxPauseMs ?? 300_000;
    this.tokens = burst;
    this.refilledAt = this.now();
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
          this.pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  pauseFor(ms: number): void {
    if (!(ms > 0)) return;
    const until = this.now() + Math.min(ms, this.maxPauseMs);
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    // The server says we overspent: whatever our bucket believed it held is not there, and nothing
    // accrues during the pause. At its end exactly one request may go (the retry), then the steady
    // rate: no burst straight back into a server that just pushed back.
    this.tokens = 0;
    this.refilledAt = until - 1000 / this.rate;
    this.pump();
  }

  /** Requests waiting for a slot (for metrics and tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private refill(): void {
    const t = this.now();
    if (t > this.refilledAt) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.refilledAt) * this.rate) / 1000);
      this.refilledAt = t;
    }
  }

  /** Hands out every slot available now, then sleeps until the next one (or the pause's end). */
  private pump(): void {
    while (this.queue.length > 0) {
      const t = this.now();
      // Re-checked after every timer: a timer may fire a millisecond early by the wall clock.
      if (t < this.pausedUntil) return this.sleep(this.pausedUntil - t);
      this.refill();
      if (this.tokens < 1) return this.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.rate));
      this.tokens -= 1;
      const w = this.queue.shift() as Waiter;
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    this.clearTimer();
  }

  private sleep(ms: number): void {
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, ms));
    const at = this.now() + delay;
    if (this.timer && this.timerAt === at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
