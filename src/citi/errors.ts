import { stringify as losslessStringify } from 'lossless-json';

/**
 * Every failure the Citi client reports, typed by what the caller must do next (`action`), not by
 * what went wrong on the wire. The mapping from HTTP statuses and network errors lives in one place:
 * `errorMapping.ts`.
 *
 * Invariant: no message, field or `path` of these errors ever holds a token, a client secret, an
 * authorization code or a request header. `path` is the request path relative to the base URL, with
 * any sensitive query parameter redacted (see `safePath`).
 */
import { oneLine } from './text.ts';

export type CitiAction = 'retry' | 'refresh' | 'skip-account' | 'reauth' | 'fatal';

export interface CitiErrorInit {
  path: string;
  status?: number | undefined;
  code?: string | undefined;
  cause?: unknown;
}

export abstract class CitiError extends Error {
  abstract readonly action: CitiAction;
  readonly status?: number;
  readonly code?: string;
  readonly path: string;

  constructor(message: string, init: CitiErrorInit) {
    // Messages quote Citi's words (error bodies, headers, cursors): no terminal control may reach a
    // log, a terminal or sync_runs.error through them.
    super(oneLine(message), init.cause === undefined ? undefined : { cause: init.cause });
    this.path = oneLine(safePath(init.path));
    if (init.status !== undefined) this.status = init.status;
    if (init.code !== undefined) this.code = init.code;
  }
}

/** Transient: the same request may succeed later (5xx, reset, timeout, truncated or malformed body). */
export class RetryLaterError extends CitiError {
  override readonly name: string = 'RetryLaterError';
  readonly action = 'retry' as const;
  /** How long the server asked us to wait, when it said (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(message: string, init: CitiErrorInit & { retryAfterMs?: number | undefined }) {
    super(message, init);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * A refresh whose connection dropped after the request may have been sent (a reset, "other side
 * closed", a timeout waiting for the answer, a body cut short). Citi may have rotated the refresh
 * token: presenting the old one again would be reuse, which revokes the grant, so it is not retried
 * in this sync. What to do: retry later (the next sync tries the stored token once); if Citi answers
 * invalid_grant, the grant was lost and the user must consent again.
 */
export class RefreshOutcomeUnknownError extends RetryLaterError {
  override readonly name: string = 'RefreshOutcomeUnknownError';
}

/** 429: the whole client (every concurrent call) must wait `retryAfterMs`, then may retry. */
export class RateLimitedError extends RetryLaterError {
  override readonly name: string = 'RateLimitedError';
  declare readonly retryAfterMs: number;

  constructor(message: string, init: CitiErrorInit & { retryAfterMs: number }) {
    super(message, init);
  }
}

/**
 * 429 with a Retry-After longer than we agree to wait (CITI_MAX_RETRY_AFTER_S): a broken or hostile
 * upstream, or an outage measured in days. The call fails now instead of stalling every caller, and
 * the shared pause is not set. The message says what Citi asked for.
 */
export class RetryAfterTooLongError extends RateLimitedError {
  override readonly name: string = 'RetryAfterTooLongError';
  /** The header as Citi sent it (control characters removed, at most 64 characters). */
  readonly retryAfterHeader: string;

  constructor(message: string, init: CitiErrorInit & { retryAfterMs: number; retryAfterHeader: string }) {
    super(message, init);
    this.retryAfterHeader = init.retryAfterHeader;
  }
}

/**
 * A response that is not the JSON the contract describes (or a 2xx body cut short). Retryable because
 * a truncated body is the usual cause; a page that is wrong every time fails after the retry budget.
 */
export class MalformedResponseError extends RetryLaterError {
  override readonly name: string = 'MalformedResponseError';
  /** Where in the body, e.g. `creditCardAccountTransactions[3].transactionAmount` ('' = the whole body). */
  readonly fieldPath: string;
  /** At most 120 characters of the offending value or body. */
  readonly snippet: string;

  constructor(init: CitiErrorInit & { fieldPath: string; snippet: string; reason: string }) {
    const where = init.fieldPath === '' ? 'body' : init.fieldPath;
    super(`malformed response from ${safePath(init.path)}: ${where}: ${init.reason} (got ${init.snippet})`, init);
    this.fieldPath = init.fieldPath;
    this.snippet = init.snippet;
  }
}

/** 401 on a resource call: refresh the access token and retry once. */
export class UnauthorizedError extends CitiError {
  override readonly name: string = 'UnauthorizedError';
  readonly action = 'refresh' as const;
}

/** 400/403/404 on a resource call: this account cannot be read now; sync the others. Do not retry. */
export class AccountUnavailableError extends CitiError {
  override readonly name: string = 'AccountUnavailableError';
  readonly action = 'skip-account' as const;
}

/**
 * 400 `tranxFromDate2YrsPriorToCurrDate` / `tranxToDateAfterCurrDate` (§2): the window leaves the range
 * the bank allows today. The client clamps the window and retries once; a second one skips the account.
 */
export class WindowOutOfRangeError extends AccountUnavailableError {
  override readonly name: string = 'WindowOutOfRangeError';
  /** Which end of the window to move: `from` (too far back) or `to` (after the bank's current date). */
  readonly end: 'from' | 'to';

  constructor(message: string, init: CitiErrorInit & { end: 'from' | 'to' }) {
    super(message, init);
    this.end = init.end;
  }
}

/** The grant is gone (`invalid_grant`): the user must consent again. Never retry with this grant. */
export class ReauthRequiredError extends CitiError {
  override readonly name: string = 'ReauthRequiredError';
  readonly action = 'reauth' as const;
}

/**
 * Our own credentials or set-up are wrong (`invalid_client`, `unauthorized_client`, a rejected client
 * certificate): nothing works until an operator fixes the configuration.
 */
export class ClientCredentialsError extends CitiError {
  override readonly name: string = 'ClientCredentialsError';
  readonly action = 'fatal' as const;
}

/** A status the contract does not describe (3xx, 405, 409, …): a bug on one side; stop and look. */
export class UnexpectedResponseError extends CitiError {
  override readonly name: string = 'UnexpectedResponseError';
  readonly action = 'fatal' as const;
}

/**
 * A field of a response failed validation (bad date, amount that cannot be kept exact, wrong type).
 * Raised by the pure parsers, which do not know the URL; the client turns it into a
 * MalformedResponseError naming the request path.
 */
export class InvalidFieldError extends Error {
  override readonly name: string = 'InvalidFieldError';
  constructor(
    readonly fieldPath: string,
    readonly reason: string,
    readonly snippet: string,
  ) {
    super(`${fieldPath || 'value'}: ${reason} (got ${snippet})`);
  }

  /** The same error, located under `prefix` (e.g. the row's index within the page). */
  within(prefix: string): InvalidFieldError {
    const path = prefix === '' ? this.fieldPath : this.fieldPath === '' ? prefix : joinPath(prefix, this.fieldPath);
    return new InvalidFieldError(path, this.reason, this.snippet);
  }
}

/** An amount that cannot be represented exactly as a decimal string. */
export class InvalidAmountError extends InvalidFieldError {
  override readonly name: string = 'InvalidAmountError';
}

const SNIPPET_MAX = 120;

/**
 * A body that is not what was asked for may echo the request (a misrouted base URL, an echo service, a
 * proxy's error page quoting the headers): its snippet then held the bearer token, and went to the
 * log, sync_runs and the webhook. Runs of token characters (base64url, JWT, hex) at least 24 long that
 * mix letters and digits are masked; words, key names, amounts and numeric ids (digits only) stay.
 */
const OPAQUE_RUN = /[\w.~+/=-]{24,}/g;

export function maskCredentials(s: string): string {
  return s.replace(OPAQUE_RUN, (run) => (/[0-9]/.test(run) && /[A-Za-z]/.test(run) ? '[redacted]' : run));
}

/** A short, printable rendering of a value for an error message: JSON, cut to 120 characters. */
export function snippetOf(value: unknown): string {
  let s: string;
  if (value === undefined) s = 'undefined';
  else if (typeof value === 'string') s = JSON.stringify(value);
  else {
    try {
      // lossless-json's stringify writes exact numbers (LosslessNumber) as the digits Citi sent.
      s = losslessStringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  // JSON escapes C0 controls but not DEL or C1 (U+009B is a CSI in some terminals). Masked before the
  // final cut (so no part of a credential survives it), on a prefix long enough that a credential
  // reaching into the snippet is still a long run there (a 16 MB body is not scanned whole).
  const long = s.length > SNIPPET_MAX;
  s = maskCredentials(oneLine(long ? s.slice(0, SNIPPET_MAX + 256) : s));
  return long || s.length > SNIPPET_MAX ? `${s.slice(0, SNIPPET_MAX - 1)}…` : s;
}

function joinPath(prefix: string, rest: string): string {
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** Query parameters that may carry a secret; their values never reach an error or a log. */
const SENSITIVE_PARAMS = new Set(['code', 'token', 'access_token', 'refresh_token', 'client_secret', 'code_verifier', 'state']);

/** The path with the values of sensitive query parameters replaced by `[redacted]`. */
export function safePath(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const params = new URLSearchParams(path.slice(q + 1));
  let redacted = false;
  for (const key of [...params.keys()]) {
    if (SENSITIVE_PARAMS.has(key.toLowerCase())) {
      params.set(key, '[redacted]');
      redacted = true;
    }
  }
  return redacted ? `${path.slice(0, q)}?${params.toString()}` : path;
}
