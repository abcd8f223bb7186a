import {
  AccountUnavailableError,
  ClientCredentialsError,
  type CitiError,
  RateLimitedError,
  ReauthRequiredError,
  RetryAfterTooLongError,
  RetryLaterError,
  UnauthorizedError,
  UnexpectedResponseError,
  WindowOutOfRangeError,
  maskCredentials,
  snippetOf,
} from './errors.ts';
import { oneLine } from './text.ts';
import { causeChain, messageOf } from '../log/errorText.ts';

/**
 * The one place where Citi's HTTP statuses (contract §1 token errors, §2 resource errors) and network
 * failures become typed errors. Everything else in the client only asks an error for its `action`.
 */

/** Token endpoints (§1) speak OAuth errors; resource endpoints (§2) speak Citi's error body. */
export type CallKind = 'token' | 'resource';

export interface ErrorResponse {
  kind: CallKind;
  status: number;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  bodyText: string;
  /** The current time in ms, for Retry-After given as an HTTP date. */
  now?: number;
  /** A 429 asking for a longer wait becomes RetryAfterTooLongError. @defaultValue no cap */
  maxRetryAfterMs?: number | undefined;
}

/** Contract §2 leaves the 429 wait unspecified when Retry-After is missing; one second is our floor. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

export function errorFromResponse(res: ErrorResponse): CitiError {
  const { kind, status, path } = res;
  const body = parseErrorBody(res.bodyText);
  const code = body.code;
  const init = { path, status, code };
  const what = `${status}${code ? ` ${code}` : ''}`;
  const detail = body.detail ? `: ${body.detail}` : '';

  if (status === 429) {
    const raw = header(res.headers, 'retry-after');
    const retryAfterMs = parseRetryAfter(raw, res.now ?? Date.now()) ?? DEFAULT_RETRY_AFTER_MS;
    if (res.maxRetryAfterMs !== undefined && retryAfterMs > res.maxRetryAfterMs) {
      const retryAfterHeader = oneLine(raw ?? '').slice(0, 64);
      return new RetryAfterTooLongError(
        `rate limited (${what}) on ${path}: Citi asked to wait ${describeWait(retryAfterMs)} (Retry-After: ${JSON.stringify(retryAfterHeader)}), ` +
          `longer than the ${Math.round(res.maxRetryAfterMs / 1000)} s allowed (CITI_MAX_RETRY_AFTER_S)`,
        { ...init, retryAfterMs, retryAfterHeader },
      );
    }
    return new RateLimitedError(`rate limited (${what}) on ${path}; retry after ${retryAfterMs} ms`, { ...init, retryAfterMs });
  }
  if (status >= 500 || status === 408) {
    const retryAfterMs = parseRetryAfter(header(res.headers, 'retry-after'), res.now ?? Date.now());
    return new RetryLaterError(`Citi unavailable (${what}) on ${path}${detail}`, { ...init, retryAfterMs });
  }

  if (kind === 'token') {
    if (status === 400 && code === 'invalid_grant') {
      return new ReauthRequiredError(`the grant is no longer valid (${what}) on ${path}: the user must consent again${detail}`, init);
    }
    if (status === 400 || status === 401 || status === 403) {
      // invalid_client, unauthorized_client, unsupported_grant_type, invalid_request: our request or
      // our credentials are wrong, and retrying the same call cannot fix that.
      return new ClientCredentialsError(`token endpoint rejected the client (${what}) on ${path}${detail}`, init);
    }
    return new UnexpectedResponseError(`unexpected status from the token endpoint (${what}) on ${path}${detail}`, init);
  }

  if (status === 401) return new UnauthorizedError(`access token rejected (${what}) on ${path}${detail}`, init);
  if (status === 404 && body.type === 'fatal') {
    // §2: Citi's spec answers `serverUnavailable` as a 404 of type fatal: a server problem, not a path.
    return new RetryLaterError(`Citi unavailable (${what}) on ${path}${detail}`, init);
  }
  if (status === 400 && (code === 'tranxFromDate2YrsPriorToCurrDate' || code === 'tranxToDateAfterCurrDate')) {
    const end = code === 'tranxToDateAfterCurrDate' ? 'to' : 'from';
    return new WindowOutOfRangeError(`window outside the bank's allowed range (${what}) on ${path}${detail}`, { ...init, end });
  }
  if (status === 400 || status === 403 || status === 404) {
    return new AccountUnavailableError(`account not available (${what}) on ${path}${detail}`, init);
  }
  return new UnexpectedResponseError(`unexpected status (${what}) on ${path}${detail}`, init);
}

function describeWait(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 2 * 86_400 ? `${s} s (${Math.round(s / 86_400)} days)` : `${s} s`;
}

/** System and undici error codes after which the same request may well succeed. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_INFO',
  // Our own bounds (http.ts): a body past CITI_MAX_BODY_BYTES, a request past CITI_REQUEST_DEADLINE_MS.
  'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'CITI_REQUEST_DEADLINE',
]);

/**
 * Errors that mean the server may have acted on the request before it failed (see oauth.ts): the
 * answer timed out or was cut short, or the connection dropped with no answer, which a client cannot
 * tell from one dropped before the request arrived (RELIABILITY K).
 */
export const AMBIGUOUS_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'CITI_REQUEST_DEADLINE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE',
]);

/** An https connection closed before any response arrived. */
const CLOSED_BEFORE_RESPONSE = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);

export interface NetworkContext {
  /**
   * https with no client certificate configured: a server that demands one refuses after the TLS 1.3
   * handshake, which looks like a dropped connection (RELIABILITY L), so the message says so.
   */
  httpsWithoutClientCert?: boolean;
}

export const TWO_WAY_TLS_HINT = 'if Citi requires two-way TLS, set CITI_TLS_CERT and CITI_TLS_KEY';

/**
 * A failure below HTTP (no status): resets, timeouts, a body cut short. TLS failures are fatal: a
 * rejected client certificate or an untrusted server will not fix itself. Unknown errors are treated
 * as transient; the retry budget bounds them.
 */
export function errorFromNetwork(err: unknown, path: string, ctx: NetworkContext = {}): CitiError {
  const code = errorCode(err);
  if (code && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'EPROTO')) {
    return new ClientCredentialsError(`TLS connection failed (${code}) on ${path}: check the client certificate, key and CA`, {
      path,
      code,
      cause: err,
    });
  }
  const why = code && TRANSIENT_CODES.has(code) ? code : `${code ?? 'network error'}: ${snippetOf(messageOf(err))}`;
  const hint = ctx.httpsWithoutClientCert && code && CLOSED_BEFORE_RESPONSE.has(code) ? `; ${TWO_WAY_TLS_HINT}` : '';
  return new RetryLaterError(`request failed (${why}) on ${path}${hint}`, { path, code, cause: err });
}

function errorCode(err: unknown): string | undefined {
  for (const e of causeChain(err, 4)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

interface ErrorBody {
  code?: string;
  /** Citi's `type` (`error`, `warn`, `invalid`, `fatal`), when sent. */
  type?: string;
  detail?: string;
}

const ERROR_TYPES = new Set(['error', 'warn', 'invalid', 'fatal']);

/**
 * The code of any of the four error bodies (§2): US `{"errors":[{type,code,details,…}]}`, the same
 * object flat (Asia-Pacific), the API gateway's `{httpCode,httpMessage,moreInformation}` and OAuth's
 * `{error,error_description}`. The description is cut short and stripped of anything that looks like
 * a credential, because some servers echo the offending token back.
 */
export function parseErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {};
  let o = json as Record<string, unknown>;
  const first = Array.isArray(o.errors) ? (o.errors as unknown[])[0] : undefined;
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) o = first as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);
  let code = str(o.error) ?? str(o.code);
  let type = str(o.type);
  // The spec's own 401 example puts the code in `type` and the status in `code` ({"code":"401","type":"unAuthorized"}).
  if (type !== undefined && !ERROR_TYPES.has(type) && (code === undefined || /^\d+$/.test(code))) {
    code = type;
    type = undefined;
  }
  code ??= str(o.httpCode);
  const rawDetail = str(o.error_description) ?? str(o.details) ?? joinDefined(str(o.httpMessage), str(o.moreInformation)) ?? str(o.moreInfo);
  const out: ErrorBody = {};
  if (code) out.code = safeCode(code);
  if (type) out.type = oneLine(type).slice(0, 16);
  if (rawDetail) out.detail = redactCredentials(oneLine(rawDetail)).slice(0, 120);
  return out;
}

/** Longest error code kept; Citi's longest (`tranxFromDate2YrsPriorToCurrDate`) is 32. */
const CODE_MAX = 64;

/**
 * Codes the contract names or the mapping above acts on: kept as sent. One of them
 * (`tranxFromDate2YrsPriorToCurrDate`) mixes letters and digits over 24 characters, which the
 * credential mask would take for a token.
 */
const KNOWN_CODES = new Set([
  'invalidRequest', 'unAuthorized', 'accessNotConfigured', 'resourceNotFound', 'rateLimitExceeded', 'serverUnavailable',
  'tranxFromDate2YrsPriorToCurrDate', 'tranxToDateAfterCurrDate', 'noAccounts',
  'invalid_request', 'invalid_grant', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'access_denied',
]);

/**
 * The code as it may appear in an error's `code`, its message, a log line, a run record and a
 * webhook: one line, credential-like runs masked as in snippets (a server that echoes the offending
 * token may echo it in `code` as well as in the description), and bounded. Masked before the cut,
 * on a prefix long enough that a token reaching past the cut is still one long run there.
 */
function safeCode(code: string): string {
  if (KNOWN_CODES.has(code)) return code;
  return maskCredentials(oneLine(code.slice(0, CODE_MAX + 256))).slice(0, CODE_MAX);
}

function joinDefined(a: string | undefined, b: string | undefined): string | undefined {
  return a && b ? `${a}: ${b}` : (a ?? b);
}

/** Long opaque runs (tokens, codes) become `[redacted]`; ordinary words and account numbers stay. */
export function redactCredentials(s: string): string {
  return s.replace(/[A-Za-z0-9._~+/=-]{24,}/g, '[redacted]');
}
