import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { AMBIGUOUS_CODES, type CallKind, errorFromNetwork, errorFromResponse } from './errorMapping.ts';
import { CitiError, MalformedResponseError, RateLimitedError, RetryAfterTooLongError, RetryLaterError, UnauthorizedError } from './errors.ts';
import type { Transport } from './http.ts';
import type { RequestGate } from './gate.ts';
import type { AccessTokenProvider, CitiLogger } from './types.ts';

/**
 * One logical call to Citi, with every rule of contract §2 about trying again:
 * - every attempt (first, retry, after refresh) first passes the client-wide gate;
 * - 429: the whole gate pauses for Retry-After, then the call tries again (up to max429Retries); a
 *   Retry-After beyond maxRetryAfterMs fails the call at once and pauses nothing;
 * - 5xx, resets, timeouts, malformed bodies: jittered exponential backoff, up to maxRetries;
 * - 401 on a resource call: refresh the token once and try again; a second 401 is final;
 * - anything else (400/403/404, invalid_grant, our own bugs): thrown at once.
 */

export interface RequestEvent {
  path: string;
  status: number | 'error';
  ms: number;
  attempt: number;
}

export interface ExecutorSettings {
  http: Transport;
  gate: RequestGate;
  logger: CitiLogger;
  maxRetries: number;
  max429Retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Longest Retry-After obeyed (CITI_MAX_RETRY_AFTER_S). */
  maxRetryAfterMs: number;
  onRequest?: ((e: RequestEvent) => void) | undefined;
  now: () => number;
}

export interface CallSpec<T> {
  kind: CallKind;
  method: 'GET' | 'POST';
  path: string;
  /** Built for every attempt, so each one can carry a fresh uuid and the current token. */
  headers: (accessToken: string | undefined) => Record<string, string>;
  body?: string;
  /** Runs inside the retry loop: a malformed (e.g. truncated) body is retried like a 5xx. */
  parse: (bodyText: string, status: number) => T;
  /** Resource calls: where the Bearer token comes from. */
  tokens?: AccessTokenProvider | undefined;
  /**
   * Retry failures after which the server may already have acted (a timeout waiting for the answer, a
   * truncated 200). Safe for GETs; not for token calls, where the lost answer held a rotated token.
   */
  retryAmbiguous: boolean;
  signal?: AbortSignal | undefined;
}

/** CITI_MAX_RETRY_AFTER_S's default, in ms. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 300_000;

/** At most one "paused" warning per this many ms, however many calls meet the pause. */
const PAUSE_WARNING_EVERY_MS = 10_000;

export class RequestExecutor {
  private lastPauseWarning = Number.NEGATIVE_INFINITY;
  private pausesSinceWarning = 0;

  constructor(private readonly s: ExecutorSettings) {}

  /** Rate-limited: a fleet of callers meeting one pause must not write one line each. */
  private warnPaused(err: RateLimitedError): void {
    this.pausesSinceWarning++;
    const t = performance.now();
    if (t - this.lastPauseWarning < PAUSE_WARNING_EVERY_MS) return;
    this.s.logger.warn({ path: err.path, retryAfterMs: err.retryAfterMs, pauses: this.pausesSinceWarning }, 'Citi rate limit: all requests paused');
    this.lastPauseWarning = t;
    this.pausesSinceWarning = 0;
  }

  run<T>(spec: CallSpec<T>): Promise<T> {
    const { s } = this;
    const { signal } = spec;
    let transient = 0;
    let limited = 0;
    let lastToken: string | undefined;
    let refresh: { rejected: string; fresh: string } | undefined;
    // The token provider's own call (a refresh) already had its retries, and a refresh that lost its
    // answer must not be sent again (RELIABILITY K): its failure ends this call, never retried here.
    let tokenFailure: unknown;

    const attempt = async (attemptNumber: number): Promise<T> => {
      let token: string | undefined;
      if (spec.tokens) {
        // Asked on every attempt (callers count requests this way); after a refresh the provider may
        // still hand back the rejected token if it does not cache, so the fresh one wins.
        try {
          token = await spec.tokens.accessToken();
        } catch (err) {
          tokenFailure = err;
          throw err;
        }
        if (refresh && token === refresh.rejected) token = refresh.fresh;
        lastToken = token;
      }
      const headers = spec.headers(token);
      await s.gate.acquire(signal);
      const started = performance.now();
      const report = (status: number | 'error') =>
        s.onRequest?.({ path: spec.path, status, ms: Math.round(performance.now() - started), attempt: attemptNumber });
      let res;
      try {
        res = await s.http.send({ method: spec.method, path: spec.path, headers, body: spec.body, signal });
      } catch (err) {
        report('error');
        // Any Transport may be plugged in: whatever it throws is classified here too (an abort stays as is).
        if (err instanceof CitiError || signal?.aborted) throw err;
        throw errorFromNetwork(err, spec.path);
      }
      report(res.status);
      if (res.status < 200 || res.status > 299) {
        throw errorFromResponse({
          kind: spec.kind,
          status: res.status,
          path: spec.path,
          headers: res.headers,
          bodyText: res.body,
          now: s.now(),
          maxRetryAfterMs: s.maxRetryAfterMs,
        });
      }
      return spec.parse(res.body, res.status);
    };

    return pRetry(attempt, {
      retries: Number.POSITIVE_INFINITY, // our own budgets below decide; p-retry only paces
      factor: 2,
      minTimeout: s.retryBaseMs,
      maxTimeout: s.retryMaxMs,
      randomize: true,
      signal,
      onFailedAttempt: async ({ error, attemptNumber }) => {
        if (error instanceof RateLimitedError && !(error instanceof RetryAfterTooLongError)) {
          // Back-pressure for the whole client, even if this call is about to give up.
          this.warnPaused(error);
          await s.gate.pauseFor(error.retryAfterMs);
        }
        if (error instanceof CitiError) {
          s.logger.debug(
            { path: error.path, attempt: attemptNumber, status: error.status, code: error.code, action: error.action },
            `Citi call failed: ${error.name}`,
          );
        }
      },
      // A 429 or a 401 is not a flaky server: it neither spends the transient budget nor backs off.
      shouldConsumeRetry: ({ error }) => !(error instanceof RateLimitedError) && !(error instanceof UnauthorizedError),
      shouldRetry: async ({ error }) => {
        // The caller gave up: its reason, not this attempt's failure, is the outcome.
        signal?.throwIfAborted();
        if (error === tokenFailure) return false;
        if (!(error instanceof CitiError)) return false;
        if (error instanceof RetryAfterTooLongError) return false;
        if (error instanceof RateLimitedError) return ++limited <= s.max429Retries;
        if (error instanceof UnauthorizedError) {
          if (!spec.tokens || refresh || lastToken === undefined) return false;
          // Throws ReauthRequiredError (or the provider's own error) when the grant is gone: that ends the call.
          refresh = { rejected: lastToken, fresh: await spec.tokens.refreshAfterUnauthorized(lastToken) };
          return true;
        }
        if (!(error instanceof RetryLaterError)) return false;
        if (!spec.retryAmbiguous && isAmbiguous(error)) return false;
        if (++transient > s.maxRetries) return false;
        if (error.retryAfterMs !== undefined) {
          // A 503 that says when to come back: wait at least that (p-retry's backoff follows).
          await sleep(Math.min(error.retryAfterMs, s.retryMaxMs), undefined, { signal });
        }
        return true;
      },
    });
  }
}

function isAmbiguous(err: RetryLaterError): boolean {
  return err instanceof MalformedResponseError || (err.code !== undefined && AMBIGUOUS_CODES.has(err.code));
}
