import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { accountsPath, basic, codeFlow, errorCode, get, postForm, refresh, tokenPath, TODAY } from './client.ts';

const REDIRECT = 'http://127.0.0.1:9/callback';
let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

async function follow(url: string, init: Parameters<typeof request>[1] = {}): Promise<{ status: number; location: URL | undefined; text: string }> {
  const r = await request(url, init);
  const text = await r.body.text();
  const loc = r.headers.location;
  return { status: r.statusCode, location: loc ? new URL(String(loc)) : undefined, text };
}

const exchange = (s: Sandbox, code: string, extra: Record<string, string> = {}) =>
  postForm(s, tokenPath(s), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...extra });

async function decide(s: Sandbox, decision: 'allow' | 'deny', fields: Record<string, string> = {}) {
  return follow(`${new URL(s.url).origin}/gcb/api/authCode/oauth2/authorize/decision`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: s.clientId, redirect_uri: REDIRECT, state: 'xyz', scope: 'accounts_details_transactions customers_profiles', userId: 'user-2', decision, ...fields }).toString(),
  });
}

describe('authorization code flow', () => {
  it('shows a consent page whose form posts to the decision endpoint', async () => {
    sb = await startSandbox({ today: TODAY });
    const r = await follow(sb.authorizeUrl({ redirectUri: REDIRECT, state: 'st<1>' }));
    expect(r.status).toBe(200);
    expect(r.text).toContain('<form method="POST" action="/gcb/api/authCode/oauth2/authorize/decision">');
    expect(r.text).toContain('name="state" value="st&lt;1&gt;"');
    expect(r.text).toContain(`name="redirect_uri" value="${REDIRECT}"`);
    for (const u of sb.users) expect(r.text).toContain(`value="${u.userId}"`);
    expect(r.text).toContain('value="allow"');
    expect(r.text).toContain('value="deny"');
  });

  it('redirects with a code on allow, access_denied on deny', async () => {
    sb = await startSandbox({ today: TODAY });
    const allow = await decide(sb, 'allow');
    expect(allow.status).toBe(302);
    expect(allow.location?.origin + allow.location!.pathname).toBe(REDIRECT);
    expect(allow.location?.searchParams.get('state')).toBe('xyz');
    const code = allow.location!.searchParams.get('code')!;
    const tok = await exchange(sb, code);
    expect(tok.status).toBe(200);
    expect(tok.json).toMatchObject({ token_type: 'bearer', expires_in: 1800, refresh_token_expires_in: 2_592_000, scope: 'accounts_details_transactions customers_profiles' });
    // The chosen user (user-2) is the one whose accounts the token opens.
    const acc = await get(sb, accountsPath(sb), tok.json.access_token as string);
    expect(acc.text).toContain(sb.users[1]!.accountIds[0]!);
    const deny = await decide(sb, 'deny');
    expect(deny.status).toBe(302);
    expect(Object.fromEntries(deny.location!.searchParams)).toEqual({ error: 'access_denied', state: 'xyz' });
  });

  it('with autoConsent redirects at once, login_hint picking the user', async () => {
    sb = await startSandbox({ today: TODAY, autoConsent: true });
    const r = await follow(`${sb.authorizeUrl({ redirectUri: REDIRECT, state: 'a' })}&login_hint=user-3`);
    expect(r.status).toBe(302);
    const tok = await exchange(sb, r.location!.searchParams.get('code')!);
    const acc = await get(sb, accountsPath(sb), tok.json.access_token as string);
    expect(acc.text).toContain(sb.users[2]!.accountIds[0]!);
  });

  it('rejects a bad client_id or redirect_uri with a page, a bad response_type with a redirect', async () => {
    sb = await startSandbox({ today: TODAY, autoConsent: true });
    const u = new URL(sb.authorizeUrl({ redirectUri: REDIRECT, state: 'a' }));
    u.searchParams.set('client_id', 'nope');
    expect((await follow(u.toString())).status).toBe(400);
    u.searchParams.set('client_id', sb.clientId);
    u.searchParams.set('redirect_uri', 'not a url');
    expect((await follow(u.toString())).status).toBe(400);
    u.searchParams.set('redirect_uri', REDIRECT);
    u.searchParams.set('response_type', 'token');
    const r = await follow(u.toString());
    expect(r.status).toBe(302);
    expect(r.location?.searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('codes are single use: a second exchange fails and revokes the grant', async () => {
    sb = await startSandbox({ today: TODAY, autoConsent: true });
    const r = await follow(sb.authorizeUrl({ redirectUri: REDIRECT, state: 'a' }));
    const code = r.location!.searchParams.get('code')!;
    const first = await exchange(sb, code);
    expect(first.status).toBe(200);
    const second = await exchange(sb, code);
    expect(second.status).toBe(400);
    expect(second.json).toEqual({ error: 'invalid_grant', error_description: 'authorization code already used' });
    expect((await get(sb, accountsPath(sb), first.json.access_token as string)).status).toBe(401);
  });

  it('checks client authentication, content type, grant_type and redirect_uri', async () => {
    sb = await startSandbox({ today: TODAY, autoConsent: true });
    const code = (await follow(sb.authorizeUrl({ redirectUri: REDIRECT, state: 'a' }))).location!.searchParams.get('code')!;
    const noAuth = await postForm(sb, tokenPath(sb), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, null);
    expect(noAuth.status).toBe(401);
    expect(noAuth.json.error).toBe('invalid_client');
    const wrong = await postForm(sb, tokenPath(sb), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, `Basic ${Buffer.from(`${sb.clientId}:x`).toString('base64')}`);
    expect(wrong.status).toBe(401);
    const json = await request(`${sb.url}${tokenPath(sb)}`, { method: 'POST', headers: { authorization: basic(sb), 'content-type': 'application/json' }, body: '{}' });
    expect(json.statusCode).toBe(400);
    expect(await json.body.json()).toMatchObject({ error: 'invalid_request' });
    expect((await postForm(sb, tokenPath(sb), { grant_type: 'password' })).json.error).toBe('unsupported_grant_type');
    expect((await exchange(sb, code, { redirect_uri: 'http://127.0.0.1:9/other' })).json.error).toBe('invalid_grant');
    expect((await exchange(sb, code)).status).toBe(200);
  });

  it('enforces PKCE S256 when a code_challenge was given', async () => {
    sb = await startSandbox({ today: TODAY, autoConsent: true });
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const codeOf = async () => (await follow(sb!.authorizeUrl({ redirectUri: REDIRECT, state: 'a', codeChallenge: challenge }))).location!.searchParams.get('code')!;
    expect((await exchange(sb, await codeOf())).json).toMatchObject({ error: 'invalid_grant' });
    expect((await exchange(sb, await codeOf(), { code_verifier: 'w'.repeat(50) })).json).toMatchObject({ error: 'invalid_grant' });
    expect((await exchange(sb, await codeOf(), { code_verifier: verifier })).status).toBe(200);
  });
});

describe('tokens', () => {
  it('refresh rotates: new tokens work, the old refresh token is dead', async () => {
    sb = await startSandbox({ today: TODAY, autoConsent: true });
    const t1 = await codeFlow(sb, REDIRECT);
    const r = await refresh(sb, t1.refresh_token);
    expect(r.status).toBe(200);
    expect(r.json.refresh_token).not.toBe(t1.refresh_token);
    expect((await get(sb, accountsPath(sb), r.json.access_token as string)).status).toBe(200);
    expect(sb.stats()).toMatchObject({ tokenRequests: 2, refreshes: 1, refreshTokenReuse: 0, grantsRevoked: 0 });
  });

  it('reusing a rotated refresh token revokes the whole grant', async () => {
    sb = await startSandbox({ today: TODAY });
    const t1 = await sb.issueTokens('user-1');
    const t2 = (await refresh(sb, t1.refresh_token)).json;
    const reuse = await refresh(sb, t1.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');
    expect((await refresh(sb, t2.refresh_token as string)).json.error).toBe('invalid_grant');
    const api = await get(sb, accountsPath(sb), t2.access_token as string);
    expect(api.status).toBe(401);
    expect(errorCode(api.json)).toBe('unAuthorized');
    expect(sb.stats()).toMatchObject({ refreshTokenReuse: 1, grantsRevoked: 1 });
  });

  it('two refreshes of one grant at once: overlap is observed and the loser kills the grant', async () => {
    sb = await startSandbox({ today: TODAY });
    const t = await sb.issueTokens('user-1');
    const [a, b] = await Promise.all([refresh(sb, t.refresh_token), refresh(sb, t.refresh_token)]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    expect(sb.stats()).toMatchObject({ maxConcurrentRefreshesPerGrant: 2, refreshTokenReuse: 1, grantsRevoked: 1 });
  });

  it('revoke ends the grant (by access or refresh token)', async () => {
    sb = await startSandbox({ today: TODAY });
    const t = await sb.issueTokens('user-1');
    const r = await postForm(sb, '/authCode/oauth2/revoke', { token: t.access_token, token_type_hint: 'access_token' });
    expect(r.json).toEqual({ status: 'success' });
    expect((await get(sb, accountsPath(sb), t.access_token)).status).toBe(401);
    expect((await refresh(sb, t.refresh_token)).json.error).toBe('invalid_grant');
    expect(sb.stats().grantsRevoked).toBe(1);
  });

  it('access tokens expire in real time; refresh tokens after 30 world days', async () => {
    sb = await startSandbox({ today: TODAY, accessTokenTtlSeconds: 1 });
    const t = await sb.issueTokens('user-1');
    expect((await get(sb, accountsPath(sb), t.access_token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await get(sb, accountsPath(sb), t.access_token)).status).toBe(401);
    const t2 = (await refresh(sb, t.refresh_token)).json;
    sb.advance(29);
    const t3 = (await refresh(sb, t2.refresh_token as string)).json;
    expect(t3.access_token).toBeDefined();
    sb.advance(30);
    expect((await refresh(sb, t3.refresh_token as string)).json).toEqual({ error: 'invalid_grant', error_description: 'refresh token expired' });
  });

  it('expireAccessTokens kills every token issued so far, not later ones', async () => {
    sb = await startSandbox({ today: TODAY });
    const t = await sb.issueTokens('user-1');
    sb.expireAccessTokens();
    expect((await get(sb, accountsPath(sb), t.access_token)).status).toBe(401);
    const t2 = (await refresh(sb, t.refresh_token)).json;
    expect((await get(sb, accountsPath(sb), t2.access_token as string)).status).toBe(200);
  });

  it('issuedSecrets lists every token, code and the client secret', async () => {
    sb = await startSandbox({ today: TODAY, autoConsent: true });
    const t = await codeFlow(sb, REDIRECT);
    const s = sb.issuedSecrets();
    expect(s).toContain(sb.clientSecret);
    expect(s).toContain(t.access_token);
    expect(s).toContain(t.refresh_token);
    expect(s.filter((x) => x.startsWith('sbx_code_'))).toHaveLength(1);
  });

  it('a grant without the accounts scope answers 403 accessNotConfigured', async () => {
    sb = await startSandbox({ today: TODAY, autoConsent: true });
    const r = await follow(sb.authorizeUrl({ redirectUri: REDIRECT, state: 'a', scope: 'customers_profiles' }));
    const tok = await exchange(sb, r.location!.searchParams.get('code')!);
    const api = await get(sb, accountsPath(sb), tok.json.access_token as string);
    expect(api.status).toBe(403);
    expect(errorCode(api.json)).toBe('accessNotConfigured');
  });
});
