import { createHmac } from 'node:crypto';
import pRetry, { AbortError } from 'p-retry';
import type * as Undici from 'undici';
import type { Logger } from '../log/logger.ts';
import type { WebhookEvent } from './event.ts';
import { requireCommonJs } from '../commonJs.ts';

/*
 * Required (see src/commonJs.ts) at the first delivery, not when this module loads: `sync` builds its
 * notifier before it opens the database, and undici costs ~0.1 s of CPU to load, a quarter of the
 * start-up budget (issue #14). Most runs send no event at all.
 */
const request: typeof Undici.request = (...args) => (requireCommonJs('undici') as typeof Undici).request(...args);

/** Header names a receiver checks; the signature covers `${timestamp}.${body}` (replays are dated). */
export const SIGNATURE_HEADER = 'x-citi-sync-signature';
export const EVENT_HEADER = 'x-citi-sync-event';
export const DELIVERY_HEADER = 'x-citi-sync-delivery';

export interface WebhookOptions {
  url: string;
  secret: string;
  logger: Logger;
  /** @defaultValue 6 retries, from 1 s doubling to 60 s (about two minutes in all) */
  retries?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Per attempt. @defaultValue 10 s */
  timeoutMs?: number;
  /** Deliveries in flight at once; beyond it new events are dropped (and logged). @defaultValue 100 */
  maxPending?: number;
  now?: () => Date;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, as Stripe and others sign webhooks. */
export function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Sends events to one URL, signed, retried with backoff, in the background: `send` returns at once,
 * so a slow or dead receiver never slows a sync; `flush` waits (bounded) for what is in flight, for
 * a process about to exit.
 */
export class WebhookNotifier {
  readonly #o: Required<Omit<WebhookOptions, 'now'>> & { now: () => Date };
  readonly #pending = new Set<Promise<void>>();

  constructor(opts: WebhookOptions) {
    this.#o = { retries: 6, minDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 10_000, maxPending: 100, now: () => new Date(), ...opts };
  }

  send(event: WebhookEvent): void {
    const log = this.#o.logger.child({ webhookEvent: event.type, deliveryId: event.id });
    if (this.#pending.size >= this.#o.maxPending) {
      log.warn({ pending: this.#pending.size }, 'webhook backlog full: event dropped');
      return;
    }
    const p = this.#deliver(event)
      .then(() => log.info('webhook delivered'))
      .catch((err: unknown) => log.warn({ err }, 'webhook not delivered'))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Waits for deliveries in flight, at most `timeoutMs`; true when none is left. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([Promise.allSettled([...this.#pending]).then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }

  async #deliver(event: WebhookEvent): Promise<void> {
    const body = JSON.stringify(event);
    await pRetry(
      async () => {
        // Signed per attempt: the timestamp says when this attempt was sent.
        const ts = Math.floor(this.#o.now().getTime() / 1000);
        const res = await request(this.#o.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': `citi-sync/${event.source.version}`,
            [SIGNATURE_HEADER]: signature(this.#o.secret, ts, body),
            [EVENT_HEADER]: event.type,
            [DELIVERY_HEADER]: event.id,
          },
          body,
          headersTimeout: this.#o.timeoutMs,
          bodyTimeout: this.#o.timeoutMs,
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        });
        // The receiver's body is not needed: read at most nothing, release the socket.
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        if (res.statusCode >= 200 && res.statusCode < 300) return;
        const err = new Error(`webhook receiver answered ${res.statusCode}`);
        // 4xx other than 408/429 will not get better by retrying: the URL or the secret is wrong.
        if (res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) throw new AbortError(err);
        throw err;
      },
      { retries: this.#o.retries, minTimeout: this.#o.minDelayMs, maxTimeout: this.#o.maxDelayMs, factor: 2, randomize: true },
    );
  }
}
