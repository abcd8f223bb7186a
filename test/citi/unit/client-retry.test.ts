import { describe, expect, it } from 'vitest';
import {
  AccountUnavailableError,
  MalformedResponseError,
  PagingLoopError,
  RateLimitedError,
  ReauthRequiredError,
  RetryLaterError,
  SyntheticKeyCounter,
  UnauthorizedError,
} from '../../../src/citi/index.ts';
import type { HttpResponse } from '../../../src/citi/index.ts';
import { collect, failure, fakeWire, res, type Responder } from './fakeWire.ts';
import type { CitiClientOptions } from '../../../src/citi/client.ts';

const accountsPage = (ids: string[], next = '') => ({
  accountGroupSummary: [
    {
      accountGroup: 'CHECKING',
      accounts: ids.map((accountId) => ({ checkingAccountSummary: { accountId, currencyCode: 'USD', accountStatus: 'ACTIVE', currentBalance: 1.5 } })),
    },
  ],
  nextStartIndex: next,
});

// The Asia-Pacific dialect: /v1 paths and paging (the US dialect has its own tests in dialects.test.ts).
const setup = (script: Responder | Array<HttpResponse | Error>, over: Partial<CitiClientOptions> = {}) => fakeWire('SG', script, over);

describe('CitiClient request rules (fake wire)', () => {
  it('sends the four headers with a new uuid on every attempt', async () => {
    const { client, transport, tokens } = setup([res(503), res(200, accountsPage(['A']))]);
    await client.listAccounts(tokens);
    expect(transport.requests).toHaveLength(2);
    for (const r of transport.requests) {
      expect(r.headers).toMatchObject({ authorization: 'Bearer t0', client_id: 'cid', accept: 'application/json' });
      expect(r.headers.uuid).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(transport.requests[0]?.headers.uuid).not.toBe(transport.requests[1]?.headers.uuid);
  });

  it('pages accounts to the end, sending nextStartIndex back unchanged', async () => {
    const { client, transport, tokens } = setup((req) =>
      req.path === '/v1/accounts' ? res(200, accountsPage(['A', 'B'], 'opaque+/=1')) : res(200, accountsPage(['C'], '')),
    );
    const accounts = (await client.listAccounts(tokens)).accounts;
    expect(accounts.map((a) => [a.accountId, a.accountType, a.currentBalance])).toEqual([
      ['A', 'checking', '1.5'],
      ['B', 'checking', '1.5'],
      ['C', 'checking', '1.5'],
    ]);
    expect(new URLSearchParams(transport.requests[1]?.path.split('?')[1]).get('nextStartIndex')).toBe('opaque+/=1');
  });

  it('429: pauses the whole gate for Retry-After, then retries without spending the transient budget', async () => {
    const { client, gate, tokens } = setup([res(429, {}, { 'retry-after': '2' }), res(429, {}), res(200, accountsPage(['A']))], { maxRetries: 0 });
    expect((await client.listAccounts(tokens)).accounts).toHaveLength(1);
    expect(gate.pauses).toEqual([2000, 1000]);
    expect(gate.acquired).toBe(3);
  });

  it('429 beyond max429Retries surfaces as RateLimitedError', async () => {
    const { client, gate, tokens } = setup([res(429, {}, { 'retry-after': '1' })], { max429Retries: 3 });
    expect(await failure(client.listAccounts(tokens))).toBeInstanceOf(RateLimitedError);
    expect(gate.pauses).toHaveLength(4);
  });

  it('5xx, resets and malformed bodies are retried up to maxRetries', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { client, transport, tokens } = setup([res(500), reset, res(200, '{"accountGroupSum'), res(200, accountsPage(['A']))], { maxRetries: 3 });
    expect((await client.listAccounts(tokens)).accounts).toHaveLength(1);
    expect(transport.requests).toHaveLength(4);

    const bad = setup([res(503)], { maxRetries: 2 });
    const err = await failure(bad.client.listAccounts(bad.tokens));
    expect(err).toBeInstanceOf(RetryLaterError);
    expect(bad.transport.requests).toHaveLength(3);
  });

  it('401: refreshes once and retries with the new token; a second 401 is final', async () => {
    const ok = setup([res(401), res(200, accountsPage(['A']))]);
    await ok.client.listAccounts(ok.tokens);
    expect(ok.tokens.refreshed).toEqual(['t0']);
    expect(ok.transport.requests.map((r) => r.headers.authorization)).toEqual(['Bearer t0', 'Bearer t1']);

    const twice = setup([res(401)]);
    expect(await failure(twice.client.listAccounts(twice.tokens))).toBeInstanceOf(UnauthorizedError);
    expect(twice.transport.requests).toHaveLength(2);
    expect(twice.tokens.refreshed).toHaveLength(1);
  });

  it('401 whose refresh fails with invalid_grant ends the call with ReauthRequiredError', async () => {
    const s = setup([res(401)]);
    const tokens = {
      accessToken: async () => 't0',
      refreshAfterUnauthorized: async () => {
        throw new ReauthRequiredError('gone', { path: '/authCode/oauth2/refresh', status: 400, code: 'invalid_grant' });
      },
    };
    expect(await failure(s.client.listAccounts(tokens))).toBeInstanceOf(ReauthRequiredError);
    expect(s.transport.requests).toHaveLength(1);
  });

  it.each([400, 403, 404])('%s: AccountUnavailableError at once', async (status) => {
    const s = setup([res(status, { type: 'error', code: 'x', details: 'd' })]);
    const err = await failure(collect(s.client.transactions(s.tokens, { accountId: 'A', accountType: 'checking' }, '2026-01-01', '2026-01-31')));
    expect(err).toBeInstanceOf(AccountUnavailableError);
    expect((err as AccountUnavailableError).path).toBe(
      '/v1/accounts/A/transactions?transactionFromDate=2026-01-01&transactionToDate=2026-01-31',
    );
    expect(s.transport.requests).toHaveLength(1);
  });

  it('an account repeated across pages (live offsets) is yielded once', async () => {
    const s = setup((req) => (req.path === '/v1/accounts' ? res(200, accountsPage(['A', 'B'], '2')) : res(200, accountsPage(['B', 'C']))));
    expect((await s.client.listAccounts(s.tokens)).accounts.map((a) => a.accountId)).toEqual(['A', 'B', 'C']);
  });

  it('accounts() (deprecated, kept for the package API) yields what listAccounts lists', async () => {
    const s = setup([res(200, accountsPage(['A', 'B']))]);
    expect((await collect(s.client.accounts(s.tokens))).map((a) => a.accountId)).toEqual(['A', 'B']);
  });

  it('an abort stops the call at once, without retries', async () => {
    const ac = new AbortController();
    const s = setup(async () => {
      ac.abort(new Error('shutting down'));
      return res(503);
    });
    const err = await failure(s.client.listAccounts(s.tokens, { signal: ac.signal }));
    expect((err as Error).message).toBe('shutting down');
    expect(s.transport.requests).toHaveLength(1);
  });

  it('reports every attempt to onRequest', async () => {
    const s = setup([res(503), Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }), res(200, accountsPage([]))]);
    await s.client.listAccounts(s.tokens);
    expect(s.events.map((e) => [e.status, e.attempt])).toEqual([
      [503, 1],
      ['error', 2],
      [200, 3],
    ]);
  });

  it('refuses a window longer than the API allows before sending anything', async () => {
    const s = setup([res(200, {})]);
    await expect(collect(s.client.transactions(s.tokens, { accountId: 'A', accountType: 'creditCard' }, '2026-01-01', '2026-04-01'))).rejects.toThrow(
      RangeError,
    );
    expect(s.transport.requests).toHaveLength(0);
  });

  it('a malformed page names path and field; a retried page does not count synthetic ordinals twice', async () => {
    const row = { transactionDate: '2026-01-05', transactionAmount: 5, currencyCode: 'USD', transactionStatus: 'POSTED', transactionPostingDate: '2026-01-06' };
    const page = (rows: unknown[]) => ({ creditCardAccountTransactions: rows, nextStartIndex: '' });
    const s = setup([res(200, page([row, row, { ...row, transactionAmount: 'x' }])), res(200, page([row, row]))]);
    const keys = new SyntheticKeyCounter();
    const rows = await collect(s.client.transactions(s.tokens, { accountId: 'A', accountType: 'creditCard' }, '2026-01-01', '2026-01-31', { keys }));
    const fresh = new SyntheticKeyCounter();
    const expected = await collect(
      setup([res(200, page([row, row]))]).client.transactions(s.tokens, { accountId: 'A', accountType: 'creditCard' }, '2026-01-01', '2026-01-31', {
        keys: fresh,
      }),
    );
    expect(rows.map((r) => r.transactionId)).toEqual(expected.map((r) => r.transactionId));
    expect(keys.toJSON()).toEqual(fresh.toJSON());

    const bad = setup([res(200, page([row, { ...row, transactionAmount: 'x' }]))], { maxRetries: 0 });
    const err = await failure(collect(bad.client.transactions(bad.tokens, { accountId: 'A', accountType: 'creditCard' }, '2026-01-01', '2026-01-31')));
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as MalformedResponseError).fieldPath).toBe('creditCardAccountTransactions[1].transactionAmount');
    expect((err as Error).message).toContain('/v1/accounts/A/transactions?');
    expect((err as Error).message).toContain('"x"');
  });

  it('a cursor that does not advance is a paging loop, not an endless loop (and not retried)', async () => {
    const s = setup([res(200, { checkingAccountTransactions: [], nextStartIndex: '50' })]);
    const err = await failure(collect(s.client.transactionPages(s.tokens, { accountId: 'A', accountType: 'checking' }, '2026-01-01', '2026-01-31', { startIndex: '50' })));
    expect(err).toBeInstanceOf(PagingLoopError);
    expect((err as PagingLoopError).cursors).toBe(1);
    expect(s.transport.requests).toHaveLength(1);
  });
});

describe('CitiClient.oauth (fake wire)', () => {
  const tokenBody = { access_token: 'AT-secret-value-0001', refresh_token: 'RT-secret-value-0002', token_type: 'bearer', expires_in: 1800, refresh_token_expires_in: 2592000, scope: 'a b' };

  it('refresh: Basic auth, form body, TokenSet with expiry from now', async () => {
    const s = setup([res(200, tokenBody)], { now: () => Date.parse('2026-11-25T00:00:00Z') });
    const set = await s.client.oauth.refresh('RT-old');
    const req = s.transport.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/authCode/oauth2/refresh');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('cid:csecret').toString('base64')}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'RT-old' });
    expect(set).toEqual({
      accessToken: 'AT-secret-value-0001',
      refreshToken: 'RT-secret-value-0002',
      expiresAt: new Date('2026-11-25T00:30:00Z'),
      refreshTokenExpiresAt: new Date('2026-12-25T00:00:00Z'),
      scope: 'a b',
    });
  });

  it('a lifetime too long to be a date is capped: the rotated tokens can always be stored', async () => {
    // expires_in 1e20 used to give an Invalid Date: Postgres refused it and the refresh was lost.
    const body = { ...tokenBody, expires_in: 1e20, refresh_token_expires_in: '99999999999999999999' };
    const s = setup([res(200, body)], { now: () => Date.parse('2026-11-25T00:00:00Z') });
    const set = await s.client.oauth.refresh('RT-old');
    expect(set.expiresAt).toEqual(new Date('2026-11-26T00:00:00Z'));
    expect(set.refreshTokenExpiresAt).toEqual(new Date('2027-11-26T00:00:00Z'));
  });

  it('exchangeCode sends code, redirect_uri and the PKCE verifier', async () => {
    const s = setup([res(200, tokenBody)], { country: 'US' });
    await s.client.oauth.exchangeCode({ code: 'C0DE', redirectUri: 'http://127.0.0.1:8765/callback', codeVerifier: 'v' });
    expect(s.transport.requests[0]?.path).toBe('/authCode/oauth2/token/us/gcb');
    // Each market has its own token path; forCountry shares the wire.
    await s.client.forCountry('sg').oauth.exchangeCode({ code: 'C0DE', redirectUri: 'http://127.0.0.1:8765/callback' });
    expect(s.transport.requests[1]?.path).toBe('/authCode/oauth2/token/sg/gcb');
    expect(Object.fromEntries(new URLSearchParams(s.transport.requests[0]?.body))).toEqual({
      grant_type: 'authorization_code',
      code: 'C0DE',
      redirect_uri: 'http://127.0.0.1:8765/callback',
      code_verifier: 'v',
    });
  });

  it('5xx is retried; invalid_grant never is', async () => {
    const s = setup([res(500, { error: 'server_error' }), res(200, tokenBody)]);
    await s.client.oauth.refresh('RT');
    expect(s.transport.requests).toHaveLength(2);
    const g = setup([res(400, { error: 'invalid_grant' })]);
    expect(await failure(g.client.oauth.refresh('RT'))).toBeInstanceOf(ReauthRequiredError);
    expect(g.transport.requests).toHaveLength(1);
  });

  it('a refresh whose answer may have been lost is not retried (the token may have rotated)', async () => {
    const timeout = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    for (const answer of [timeout, res(200, '{"access_token":"AT-sec')]) {
      const s = setup([answer, res(200, tokenBody)]);
      const err = await failure(s.client.oauth.refresh('RT-secret-old'));
      expect(err).toBeInstanceOf(RetryLaterError);
      expect(s.transport.requests).toHaveLength(1);
      expect(String((err as Error).message)).not.toContain('AT-sec');
      expect(String((err as Error).message)).not.toContain('RT-secret-old');
    }
  });

  it('revoke treats an already dead grant as revoked', async () => {
    const s = setup([res(400, { error: 'invalid_grant' })]);
    await expect(s.client.oauth.revoke('RT', 'refresh_token')).resolves.toBeUndefined();
  });

  it('authorizeUrl carries the contract parameters', () => {
    const s = setup([], { country: 'US' });
    expect(new URL(s.client.forCountry('IN').oauth.authorizeUrl({ redirectUri: 'http://x/cb', state: 's' })).searchParams.get('countryCode')).toBe('IN');
    const u = new URL(s.client.oauth.authorizeUrl({ redirectUri: 'http://127.0.0.1/cb', state: 'st', codeChallenge: 'ch' }));
    expect(u.pathname).toBe('/gcb/api/authCode/oauth2/authorize');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'cid',
      scope: 'accounts_details_transactions customers_profiles',
      countryCode: 'US',
      businessCode: 'GCB',
      locale: 'en_US',
      state: 'st',
      redirect_uri: 'http://127.0.0.1/cb',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });
});
