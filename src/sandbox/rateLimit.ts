/**
 * Per-client_id token bucket (contract §2, assumed: 10 requests/s, burst 20) and the Retry-After
 * windows it hands out. While a window is open every request from that client gets 429 again; those
 * that ARRIVE more than GRACE_MS after the 429 was sent are counted as not honouring Retry-After
 * (requests sent before the client could have seen the 429 are in flight, not misbehaviour).
 */

export const GRACE_MS = 100;

interface Bucket {
  tokens: number;
  refilledAt: number;
}

interface Window {
  /** When the 429 that opened it was sent. */
  sentAt: number;
  until: number;
}

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number; ignoredRetryAfter: boolean };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: { perSecond: number; burst: number } | false,
    private readonly retryAfterSeconds: number,
    private readonly graceMs: number = GRACE_MS,
  ) {}

  /** Decides at arrival time `now`; `sendDelayMs` is how long until the answer leaves (latency faults). */
  check(clientId: string, now: number, sendDelayMs: number): Verdict {
    const w = this.windows.get(clientId);
    if (w && now < w.until) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((w.until - now) / 1000)), ignoredRetryAfter: now >= w.sentAt + this.graceMs };
    }
    if (!this.limit) return { ok: true };
    let b = this.buckets.get(clientId);
    if (!b) {
      b = { tokens: this.limit.burst, refilledAt: now };
      this.buckets.set(clientId, b);
    }
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.refilledAt) / 1000) * this.limit.perSecond);
    b.refilledAt = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    this.open(clientId, now + sendDelayMs);
    return { ok: false, retryAfterSeconds: this.retryAfterSeconds, ignoredRetryAfter: false };
  }

  /** Opens a Retry-After window (also used by the random 429 fault: it is a Retry-After all the same). */
  open(clientId: string, sentAt: number): void {
    this.windows.set(clientId, { sentAt, until: sentAt + this.retryAfterSeconds * 1000 });
  }

  get retryAfter(): number {
    return this.retryAfterSeconds;
  }
}
