import { describe, expect, it } from 'vitest';
import {
  AccountUnavailableError,
  ClientCredentialsError,
  MalformedResponseError,
  RateLimitedError,
  ReauthRequiredError,
  RetryLaterError,
  UnauthorizedError,
  UnexpectedResponseError,
  errorFromNetwork,
  errorFromResponse,
  parseRetryAfter,
} from '../../../src/citi/index.ts';
import { redactCredentials } from '../../../src/citi/errorMapping.ts';
import { InvalidFieldError, maskCredentials, safePath, snippetOf } from '../../../src/citi/errors.ts';
import { readAccountGroups } from '../../../src/citi/envelopes.ts';
import { parseJsonBody, validate } from '../../../src/citi/parse.ts';
import { tokenResponseSchema, transactionSchema } from '../../../src/citi/schemas.ts';

const citi = (type: string, code: string) => JSON.stringify({ type, code, details: 'd', location: 'l', moreInfo: '' });
const oauth = (error: string) => JSON.stringify({ error, error_description: 'why' });

describe('errorFromResponse: the one status table', () => {
  const NOW = Date.parse('2026-11-25T12:00:00Z');
  it.each([
    // kind, status, body, class, action
    ['resource', 400, citi('error', 'invalidRequest'), AccountUnavailableError, 'skip-account'],
    ['resource', 401, citi('error', 'unAuthorized'), UnauthorizedError, 'refresh'],
    ['resource', 403, citi('error', 'accessNotConfigured'), AccountUnavailableError, 'skip-account'],
    ['resource', 404, citi('error', 'resourceNotFound'), AccountUnavailableError, 'skip-account'],
    ['resource', 429, citi('error', 'rateLimitExceeded'), RateLimitedError, 'retry'],
    ['resource', 500, citi('fatal', 'serverUnavailable'), RetryLaterError, 'retry'],
    ['resource', 503, citi('fatal', 'serverUnavailable'), RetryLaterError, 'retry'],
    ['resource', 502, '<html>bad gateway</html>', RetryLaterError, 'retry'],
    ['resource', 405, '', UnexpectedResponseError, 'fatal'],
    ['token', 400, oauth('invalid_grant'), ReauthRequiredError, 'reauth'],
    ['token', 400, oauth('invalid_request'), ClientCredentialsError, 'fatal'],
    ['token', 400, oauth('unauthorized_client'), ClientCredentialsError, 'fatal'],
    ['token', 400, oauth('unsupported_grant_type'), ClientCredentialsError, 'fatal'],
    ['token', 401, oauth('invalid_client'), ClientCredentialsError, 'fatal'],
    ['token', 500, oauth('server_error'), RetryLaterError, 'retry'],
    ['token', 429, '', RateLimitedError, 'retry'],
  ] as const)('%s %s → %s', (kind, status, bodyText, cls, action) => {
    const err = errorFromResponse({ kind, status, path: '/v1/accounts', headers: {}, bodyText, now: NOW });
    expect(err).toBeInstanceOf(cls);
    expect(err.constructor).toBe(cls);
    expect(err.action).toBe(action);
    expect(err.status).toBe(status);
    expect(err.path).toBe('/v1/accounts');
    expect(err.message).toContain(String(status));
  });

  it('carries the Citi or OAuth code', () => {
    expect(errorFromResponse({ kind: 'resource', status: 404, path: '/p', headers: {}, bodyText: citi('error', 'resourceNotFound') }).code).toBe(
      'resourceNotFound',
    );
    expect(errorFromResponse({ kind: 'token', status: 400, path: '/p', headers: {}, bodyText: oauth('invalid_grant') }).code).toBe('invalid_grant');
  });

  it('429 Retry-After in seconds, as an HTTP date, or absent (1000 ms)', () => {
    const at = (h: Record<string, string>) =>
      (errorFromResponse({ kind: 'resource', status: 429, path: '/p', headers: h, bodyText: '', now: NOW }) as RateLimitedError).retryAfterMs;
    expect(at({ 'retry-after': '2' })).toBe(2000);
    expect(at({ 'retry-after': new Date(NOW + 3000).toUTCString() })).toBe(3000);
    expect(at({})).toBe(1000);
    expect(at({ 'retry-after': 'soon' })).toBe(1000);
    expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
  });

  it('never quotes a credential from an error description', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.abcdefghijklmnopqrstuvwxyz0123456789';
    const err = errorFromResponse({
      kind: 'token',
      status: 400,
      path: '/authCode/oauth2/refresh',
      headers: {},
      bodyText: JSON.stringify({ error: 'invalid_grant', error_description: `refresh token ${token} was already used` }),
    });
    expect(err.message).not.toContain(token);
    expect(err.message).toContain('[redacted]');
    expect(redactCredentials('account 1234 ok')).toBe('account 1234 ok');
  });

  it('never quotes a credential from an error code either, and bounds the code', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.abcdefghijklmnopqrstuvwxyz0123456789';
    const echoes = [
      JSON.stringify({ error: token, error_description: 'bad' }),
      citi('error', `bad-token ${token}`),
      JSON.stringify({ errors: [{ type: 'error', code: token.repeat(4), details: 'd' }] }),
      JSON.stringify({ httpCode: `x${token}`, httpMessage: 'Unauthorized' }),
    ];
    for (const [i, bodyText] of echoes.entries()) {
      for (const kind of ['token', 'resource'] as const) {
        const err = errorFromResponse({ kind, status: 401, path: '/p', headers: {}, bodyText });
        for (const text of [err.message, err.code ?? '']) {
          expect(text, `body ${i}`).not.toContain(token.slice(0, 24));
          expect(text, `body ${i}`).not.toMatch(/[\w.~+/=-]{24,}/);
        }
        expect(err.code, `body ${i}`).toContain('[redacted]');
        expect(err.code!.length).toBeLessThanOrEqual(64);
      }
    }
    // A long code of words only is kept (bounded); the contract's codes are kept as sent, including
    // the one that mixes letters and digits past 24 characters.
    const wordy = errorFromResponse({ kind: 'resource', status: 418, path: '/p', headers: {}, bodyText: citi('error', 'x'.repeat(200)) });
    expect(wordy.code).toBe('x'.repeat(64));
    const window = errorFromResponse({ kind: 'resource', status: 400, path: '/p', headers: {}, bodyText: citi('error', 'tranxFromDate2YrsPriorToCurrDate') });
    expect(window.code).toBe('tranxFromDate2YrsPriorToCurrDate');
    expect(window.message).toContain('400 tranxFromDate2YrsPriorToCurrDate');
  });
});

describe('errorFromNetwork', () => {
  const sys = (code: string) => Object.assign(new Error(`boom ${code}`), { code });
  it.each(['ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'])(
    '%s → RetryLaterError with the code and the cause',
    (code) => {
      const e = errorFromNetwork(sys(code), '/v1/accounts');
      expect(e).toBeInstanceOf(RetryLaterError);
      expect(e.code).toBe(code);
      expect(e.cause).toBeInstanceOf(Error);
    },
  );

  it('TLS failures are fatal (a client certificate will not fix itself)', () => {
    expect(errorFromNetwork(sys('ERR_TLS_CERT_ALTNAME_INVALID'), '/p')).toBeInstanceOf(ClientCredentialsError);
    expect(errorFromNetwork(sys('DEPTH_ZERO_SELF_SIGNED_CERT'), '/p')).toBeInstanceOf(ClientCredentialsError);
  });

  it('finds the code on a nested cause', () => {
    expect(errorFromNetwork(new TypeError('fetch failed', { cause: sys('ECONNREFUSED') }), '/p').code).toBe('ECONNREFUSED');
  });
});

describe('MalformedResponseError from parsing', () => {
  it('not JSON: names the path and quotes ≤120 characters of the body', () => {
    const body = `{"accountGroupSummary":[${'x'.repeat(500)}`;
    let err: unknown;
    try {
      parseJsonBody(body, '/v1/accounts?nextStartIndex=5');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MalformedResponseError);
    const m = err as MalformedResponseError;
    expect(m.action).toBe('retry');
    expect(m.path).toBe('/v1/accounts?nextStartIndex=5');
    expect(m.fieldPath).toBe('');
    expect(m.snippet.length).toBeLessThanOrEqual(120);
    expect(m.message).toContain('/v1/accounts?nextStartIndex=5');
  });

  it('wrong shape: names the field path and the value', () => {
    const json = { transactionDate: '2026-13-01', transactionAmount: 1 };
    expect(() => validate(transactionSchema, json, '/v1/accounts/A/transactions')).toThrow(
      expect.objectContaining({ fieldPath: 'transactionDate', snippet: '"2026-13-01"' }),
    );
  });

  it('a token body is never quoted, even when malformed', () => {
    const secret = 'at-0123456789abcdef0123456789';
    for (const fn of [
      () => parseJsonBody(`{"access_token":"${secret}"`, '/authCode/oauth2/refresh', { sensitive: true }),
      () => validate(tokenResponseSchema, { access_token: secret, refresh_token: 5 }, '/authCode/oauth2/refresh', { sensitive: true }),
    ]) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MalformedResponseError);
      expect(JSON.stringify({ m: (err as Error).message, s: (err as MalformedResponseError).snippet })).not.toContain(secret);
      expect((err as Error).cause).toBeUndefined();
    }
  });
});

describe('a body that echoes the request', () => {
  // An echo service or a proxy's error page quoting the headers answered 200: the snippet held the
  // bearer token, and went to the log, sync_runs (analytics) and the webhook.
  const token = 'sbx_at__IJD5dUGNPvW62T1eoLAm8ytbEdPgwy7';
  it('never quotes a credential-like run, in the snippet or the keys it lists', () => {
    const echo = { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } };
    for (const body of [echo, { [`Bearer ${token}`]: 1 }]) {
      let err: unknown;
      try {
        readAccountGroups(body);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidFieldError);
      const text = JSON.stringify({ m: (err as Error).message, s: (err as InvalidFieldError).snippet });
      expect(text).not.toContain(token.slice(8, 20));
      expect(text).toContain('[redacted]');
    }
  });

  it('keeps what a reader needs: words, key names, amounts and numeric ids', () => {
    const s = snippetOf({ creditCardAccountTransactions: [{ transactionId: '050000042026072800000051', transactionAmount: '12345678901234567890.1234' }] });
    expect(s).toContain('creditCardAccountTransactions');
    expect(s).toContain('050000042026072800000051');
    expect(s).not.toContain('[redacted]');
    expect(maskCredentials('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc')).toBe('[redacted]');
  });
});

describe('safePath', () => {
  it('redacts sensitive query parameters, keeps resource queries', () => {
    expect(safePath('/cb?code=abc&state=xyz&x=1')).toBe('/cb?code=%5Bredacted%5D&state=%5Bredacted%5D&x=1');
    expect(safePath('/v1/accounts/A/transactions?transactionFromDate=2026-01-01&nextStartIndex=50')).toBe(
      '/v1/accounts/A/transactions?transactionFromDate=2026-01-01&nextStartIndex=50',
    );
  });
});
