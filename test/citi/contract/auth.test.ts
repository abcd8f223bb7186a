import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CitiClient, ClientCredentialsError, ReauthRequiredError, TokenBucketGate, UnauthorizedError } from '../../../src/citi/index.ts';
import type { Sandbox } from '../../../src/sandbox/index.ts';
import { DIALECTS, MemoryTokens, TODAY, captureLogger, clientFor, collect, failure, sandbox } from './helpers.ts';

describe.each(DIALECTS)('%s dialect', (country) => {
  let sb: Sandbox;
  let client: CitiClient;
  const log = captureLogger();
  const errors: unknown[] = [];
  const USER = () => sb.users[0]!.userId;

  beforeAll(async () => {
    sb = await sandbox({ country });
    client = clientFor(sb, { logger: log.logger });
  });

  // Every test's own log lines and errors are searched for secrets when it ends, so the check does
  // not depend on which tests ran before (or whether they ran at all).
  afterEach(() => {
    sb.clearFaults();
    const leaked = leakedSecrets();
    log.lines.length = 0;
    errors.length = 0;
    expect(leaked).toEqual([]);
  });

  /** The secrets this test's log lines and errors show (none, always). */
  function leakedSecrets(): string[] {
    const secrets = [...sb.issuedSecrets(), sb.clientSecret];
    const text = [
      ...log.lines,
      ...errors.map((e) => {
        const err = e as Error & Record<string, unknown>;
        return JSON.stringify({ m: err.message, s: err.stack, p: err.path, sn: err.snippet, c: String(err.cause) });
      }),
    ].join('\n');
    return secrets.filter((x) => text.includes(x)).map((x) => `${x.slice(0, 4)}…`);
  }

  afterAll(async () => {
    await client?.close();
    await sb?.close();
  });

  async function fails(p: Promise<unknown>): Promise<unknown> {
    const err = await failure(p);
    errors.push(err);
    return err;
  }

  describe('contract §1 OAuth', () => {
    it('authorization code flow: authorizeUrl → redirect with code → exchangeCode → usable tokens', async () => {
      const redirectUri = 'http://127.0.0.1:9/callback';
      const url = client.oauth.authorizeUrl({ redirectUri, state: 'st-1' });
      const r = await request(url, { method: 'GET' });
      await r.body.text();
      expect(r.statusCode).toBe(302);
      // The consent page is asked for in the client's market (contract §1 countryCode).
      expect(new URL(url).searchParams.get('countryCode')).toBe(country);
      const back = new URL(String(r.headers.location));
      expect(back.searchParams.get('state')).toBe('st-1');
      const code = back.searchParams.get('code')!;
      const set = await client.oauth.exchangeCode({ code, redirectUri });
      expect(set.expiresAt.getTime() - Date.now()).toBeGreaterThan(1_700_000);
      expect(set.refreshTokenExpiresAt.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
      expect(set.scope).toContain('accounts_details_transactions');
      const tokens = new MemoryTokens(client, set);
      expect((await client.listAccounts(tokens)).accounts.length).toBeGreaterThan(0);
      // The code is single-use.
      expect(await fails(client.oauth.exchangeCode({ code, redirectUri }))).toBeInstanceOf(ReauthRequiredError);
    });

    it('refresh rotates: the new pair works, the old refresh token is spent', async () => {
      const t = await sb.issueTokens(USER());
      const next = await client.oauth.refresh(t.refresh_token);
      expect(next.refreshToken).not.toBe(t.refresh_token);
      expect(next.accessToken).not.toBe(t.access_token);
      const again = await client.oauth.refresh(next.refreshToken);
      expect(again.refreshToken).not.toBe(next.refreshToken);
    });

    it('reusing a spent refresh token revokes the grant: invalid_grant → ReauthRequiredError, for every token of it', async () => {
      const t = await sb.issueTokens(USER());
      const reuseBefore = sb.stats().refreshTokenReuse;
      const next = await client.oauth.refresh(t.refresh_token);
      const err = await fails(client.oauth.refresh(t.refresh_token));
      expect(err).toBeInstanceOf(ReauthRequiredError);
      expect(err).toMatchObject({ action: 'reauth', status: 400, code: 'invalid_grant' });
      expect(sb.stats().refreshTokenReuse).toBe(reuseBefore + 1);
      // The rotated token died with the grant.
      expect(await fails(client.oauth.refresh(next.refreshToken))).toBeInstanceOf(ReauthRequiredError);
      // And a resource call with its access token: 401 → refresh → invalid_grant ends the call.
      const tokens = new MemoryTokens(client, next);
      expect(await fails(client.listAccounts(tokens))).toBeInstanceOf(ReauthRequiredError);
    });

    it('revoke ends the grant', async () => {
      const t = await sb.issueTokens(USER());
      await client.oauth.revoke(t.refresh_token, 'refresh_token');
      expect(await fails(client.oauth.refresh(t.refresh_token))).toBeInstanceOf(ReauthRequiredError);
      await expect(client.oauth.revoke(t.access_token, 'access_token')).resolves.toBeUndefined();
    });

    it('a wrong client secret → ClientCredentialsError (fatal)', async () => {
      const bad = new CitiClient({ baseUrl: sb.url, clientId: sb.clientId, clientSecret: 'wrong', gate: new TokenBucketGate({ perSecond: 10 }) });
      try {
        const t = await sb.issueTokens(USER());
        const err = await fails(bad.oauth.refresh(t.refresh_token));
        expect(err).toBeInstanceOf(ClientCredentialsError);
        expect(err).toMatchObject({ action: 'fatal', status: 401, code: 'invalid_client' });
      } finally {
        await bad.close();
      }
    });
  });

  describe('contract §2 401 handling', () => {
    it('expired access token: 401 → one refresh → retry succeeds', async () => {
      const tokens = await MemoryTokens.issue(sb, client, USER());
      const before = sb.stats().refreshes;
      sb.expireAccessTokens();
      const accounts = (await client.listAccounts(tokens)).accounts;
      expect(accounts.length).toBeGreaterThan(0);
      expect(tokens.refreshes).toBe(1);
      expect(sb.stats().refreshes - before).toBe(1);
    });

    it('concurrent calls that all hit 401 share one refresh (no reuse)', async () => {
      const tokens = await MemoryTokens.issue(sb, client, USER());
      const accts = (await client.listAccounts(tokens)).accounts;
      sb.expireAccessTokens();
      const reuse = sb.stats().refreshTokenReuse;
      await Promise.all(accts.map((a) => collect(client.transactions(tokens, a, '2026-11-01', TODAY))));
      expect(tokens.refreshes).toBe(1);
      expect(sb.stats().refreshTokenReuse).toBe(reuse);
    });

    it('random 401s (expireTokenProbability): refresh once and retry; two in a row on one call is UnauthorizedError', async () => {
      const tokens = await MemoryTokens.issue(sb, client, USER());
      const accts = (await client.listAccounts(tokens)).accounts;
      sb.setFaults({ expireTokenProbability: 0.15 });
      const before = sb.stats();
      const outcomes = await Promise.all(
        accts.map((a) =>
          collect(client.transactions(tokens, a, '2026-09-01', TODAY)).then(
            () => 'ok',
            (err: unknown) => (errors.push(err), err instanceof UnauthorizedError ? 'unauthorized' : err),
          ),
        ),
      );
      const after = sb.stats();
      expect(outcomes.filter((o) => o !== 'ok' && o !== 'unauthorized')).toEqual([]);
      expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(0);
      expect(tokens.refreshes).toBeGreaterThan(0);
      // Every 401 led to a refresh or ended its call: never a blind retry on the same token.
      const s401 = (after.byStatus['401'] ?? 0) - (before.byStatus['401'] ?? 0);
      expect(s401).toBeGreaterThanOrEqual(tokens.refreshes);
      expect(after.refreshTokenReuse).toBe(before.refreshTokenReuse);
      expect(after.maxConcurrentRefreshesPerGrant).toBe(1);
    });

    it('a token that is refused twice → UnauthorizedError', async () => {
      const stuck = { accessToken: async () => 'not-a-token', refreshAfterUnauthorized: async () => 'still-not-a-token' };
      const err = await fails(client.listAccounts(stuck));
      expect(err).toBeInstanceOf(UnauthorizedError);
      expect(err).toMatchObject({ action: 'refresh', status: 401 });
    });
  });

  describe('secrets', () => {
    it('no token, code or client secret appears in any log line or error', async () => {
      // Its own failures, so it proves something however the tests are ordered or filtered: a spent
      // refresh token, a wrong client secret, 401s that refresh, and a token refused twice.
      const t = await sb.issueTokens(USER());
      const next = await client.oauth.refresh(t.refresh_token);
      expect(await fails(client.oauth.refresh(t.refresh_token))).toBeInstanceOf(ReauthRequiredError);
      const bad = new CitiClient({ baseUrl: sb.url, clientId: sb.clientId, clientSecret: 'wrong', country, gate: new TokenBucketGate({ perSecond: 10 }), logger: log.logger });
      try {
        expect(await fails(bad.oauth.refresh(next.refreshToken))).toBeInstanceOf(ClientCredentialsError);
      } finally {
        await bad.close();
      }
      const tokens = await MemoryTokens.issue(sb, client, USER());
      sb.expireAccessTokens();
      await client.listAccounts(tokens);
      const stuck = { accessToken: async () => 'not-a-token', refreshAfterUnauthorized: async () => 'still-not-a-token' };
      expect(await fails(client.listAccounts(stuck))).toBeInstanceOf(UnauthorizedError);

      expect([...sb.issuedSecrets(), sb.clientSecret].length).toBeGreaterThan(5);
      expect(errors.length).toBeGreaterThanOrEqual(3);
      expect(log.lines.length).toBeGreaterThan(0);
      expect(leakedSecrets()).toEqual([]);
    });
  });
});
