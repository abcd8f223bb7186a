/**
 * `citi-sync connect` end to end: the real CLI in a child process, the simulator's real consent page
 * (autoConsent off), and this test playing the browser over HTTP: GET the printed URL, submit the
 * consent form as the page describes it, follow the redirect to the CLI's loopback listener.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { spawnCli, type CliResult, type RunningCli } from '../reliability/support/cli.ts';

const KEY = randomBytes(32);
let sandbox: Sandbox;

beforeAll(async () => {
  // The sandbox's date is the real one (its default): the CLI runs on the wall clock, and a window
  // ending after the bank's current date is refused (contract §4).
  sandbox = await startSandbox({ seed: 11, autoConsent: false, rateLimit: false, profile: { users: 2, accountsPerUser: 2, transactionsPerAccount: 40, historyMonths: 3 } });
});
afterAll(() => sandbox.close());

const databases: TestDatabase[] = [];
const children: RunningCli[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  for (const d of databases.splice(0)) await d.drop();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface Started {
  t: TestDatabase;
  child: RunningCli;
  authorizeUrl: string;
  redirectUri: string;
}

/** Starts `connect` and waits until it prints the consent URL. */
async function startConnect(extraArgs: string[] = [], opts: { portFlag?: boolean } = {}): Promise<Started> {
  const t = await createTestDatabase();
  databases.push(t);
  const configured = `http://127.0.0.1:${await freePort()}/callback`;
  // With --port the listener (and the redirect_uri sent to Citi) moves to that port.
  const port = opts.portFlag ? await freePort() : undefined;
  const redirectUri = port === undefined ? configured : `http://127.0.0.1:${port}/callback`;
  const child = spawnCli(['connect', '--id', 'x', '--no-open', ...(port === undefined ? [] : ['--port', String(port)]), ...extraArgs], {
    DATABASE_URL: t.url,
    CITI_API_BASE_URL: sandbox.url,
    CITI_CLIENT_ID: sandbox.clientId,
    CITI_CLIENT_SECRET: sandbox.clientSecret,
    CITI_SYNC_ENCRYPTION_KEY: KEY.toString('hex'),
    CITI_REDIRECT_URI: configured,
    CITI_MAX_REQUESTS_PER_SECOND: '1000',
    CITI_HISTORY_MONTHS: '3',
    LOG_LEVEL: 'warn',
  });
  children.push(child);
  const authorizeUrl = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /https?:\/\/\S+\/authCode\/oauth2\/authorize\?\S+/.exec(child.stdout());
      if (m) {
        clearInterval(poll);
        resolve(m[0]);
      } else if (child.proc.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`connect exited early: ${child.stderr()}`));
      }
    }, 20);
  });
  return { t, child, authorizeUrl, redirectUri };
}

/** What a browser does with the consent page: read the form, submit it with the chosen button. */
async function submitConsent(authorizeUrl: string, decision: 'allow' | 'deny'): Promise<string> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = /<form method="(\w+)" action="([^"]+)">/.exec(html);
  expect(form?.[1]).toBe('POST');
  const body = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) body.set(m[1]!, unescapeHtml(m[2]!));
  body.set('userId', /<option value="([^"]+)"/.exec(html)![1]!);
  expect(html).toContain(`name="decision" value="${decision}"`);
  body.set('decision', decision);
  const res = await fetch(new URL(unescapeHtml(form![2]!), authorizeUrl), { method: 'POST', body, redirect: 'manual' });
  expect(res.status).toBe(302);
  return res.headers.get('location')!;
}

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

async function followToLoopback(location: string, redirectUri: string): Promise<number> {
  expect(location.startsWith(redirectUri)).toBe(true);
  const res = await fetch(location, { redirect: 'manual' });
  await res.text();
  return res.status;
}

async function connectionRows(t: TestDatabase) {
  const { rows } = await t.db.query<{ id: string; status: string; access_token_enc: string | null; refresh_token_enc: string | null; scopes: string | null }>(
    'SELECT id, status, access_token_enc, refresh_token_enc, scopes FROM citi_sync.connections ORDER BY id',
  );
  return rows;
}

function oneLine(r: CliResult): string {
  return r.stderr.trim();
}

describe('citi-sync connect', () => {
  it('allow: exchanges the code and stores the tokens encrypted, then prints how to sync', async () => {
    const { t, child, authorizeUrl, redirectUri } = await startConnect();
    const url = new URL(authorizeUrl);
    expect(url.searchParams.get('redirect_uri')).toBe(redirectUri);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{16,}$/);

    const location = await submitConsent(authorizeUrl, 'allow');
    expect(new URL(location).searchParams.get('state')).toBe(url.searchParams.get('state'));
    expect(await followToLoopback(location, redirectUri)).toBe(200);
    const r = await child.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Connected "x" (tokens stored encrypted).');
    expect(r.stdout).toContain('Sync it with: npx citi-sync sync --connection x'); // citi-sync is not on the test's PATH

    const rows = await connectionRows(t);
    expect(rows.map((c) => [c.id, c.status, c.scopes])).toEqual([['x', 'active', 'accounts_details_transactions customers_profiles']]);
    const { rows: market } = await t.db.query<{ country: string }>(`SELECT country FROM citi_sync.connections`);
    expect(market).toEqual([{ country: 'US' }]);
    const cipher = new TokenCipher(KEY);
    const issued = new Set(sandbox.issuedSecrets());
    for (const enc of [rows[0]!.access_token_enc!, rows[0]!.refresh_token_enc!]) {
      expect(issued.has(enc)).toBe(false);
      expect(sandbox.issuedSecrets().some((s) => enc.includes(s))).toBe(false);
      expect(issued.has(cipher.decrypt(enc))).toBe(true);
    }
    // The stored refresh token is the live one: the simulator accepts it.
    const refresh = await fetch(`${sandbox.url}/authCode/oauth2/refresh`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${sandbox.clientId}:${sandbox.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cipher.decrypt(rows[0]!.refresh_token_enc!) }),
    });
    expect(refresh.status).toBe(200);
  });

  it('--sync: syncs the new connection at once', async () => {
    const { t, child, authorizeUrl, redirectUri } = await startConnect(['--sync']);
    await followToLoopback(await submitConsent(authorizeUrl, 'allow'), redirectUri);
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Sync it with');
    const user = sandbox.users[0]!;
    const { rows } = await t.db.query<{ account_id: string }>(`SELECT account_id FROM analytics.accounts WHERE connection_id = 'x' ORDER BY 1`);
    expect(rows.map((a) => a.account_id)).toEqual([...user.accountIds].sort());
    const runs = await t.db.query<{ status: string; trigger: string }>(`SELECT status, "trigger" FROM analytics.sync_runs WHERE account_id IS NULL`);
    expect(runs.rows).toEqual([{ status: 'succeeded', trigger: 'cli' }]);
  });

  it('deny (listening on --port): one line saying consent was denied, exit 1, nothing stored', async () => {
    const { t, child, authorizeUrl, redirectUri } = await startConnect([], { portFlag: true });
    expect(new URL(authorizeUrl).searchParams.get('redirect_uri')).toBe(redirectUri);
    const location = await submitConsent(authorizeUrl, 'deny');
    expect(new URL(location).searchParams.get('error')).toBe('access_denied');
    expect(await followToLoopback(location, redirectUri)).toBe(400);
    const r = await child.done;
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('citi-sync: consent was denied on the Citi page (nothing was stored)');
    expect(await connectionRows(t)).toEqual([]);
  });

  it('a redirect with another state: answered 400 and ignored, the consent in progress still completes', async () => {
    const { t, child, authorizeUrl, redirectUri } = await startConnect();
    // A stray or hostile request used to abort the whole connect (state_mismatch).
    expect(await followToLoopback(`${redirectUri}?code=stolen&state=not-the-one`, redirectUri)).toBe(400);
    expect(await followToLoopback(`${redirectUri}?error=access_denied`, redirectUri)).toBe(400);
    expect(child.proc.exitCode).toBe(null);
    expect(await followToLoopback(await submitConsent(authorizeUrl, 'allow'), redirectUri)).toBe(200);
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Connected "x" (tokens stored encrypted).');
    expect((await connectionRows(t)).map((c) => [c.id, c.status])).toEqual([['x', 'active']]);
  });

  it('an expired or already used code: Citi refuses the exchange, exit 1, nothing stored', async () => {
    const { t, child, authorizeUrl, redirectUri } = await startConnect();
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    expect(await followToLoopback(`${redirectUri}?code=used-or-expired&state=${encodeURIComponent(state)}`, redirectUri)).toBe(200);
    const r = await child.done;
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe(
      'citi-sync: Citi refused the authorization code (it may have expired: codes live 120 s and work once); run the command again (nothing was stored)',
    );
    expect(await connectionRows(t)).toEqual([]);
  });

  it('rejects a redirect URI it cannot listen on, before any consent (exit 2)', async () => {
    const t = await createTestDatabase();
    databases.push(t);
    const child = spawnCli(['connect', '--id', 'x', '--no-open'], {
      DATABASE_URL: t.url,
      CITI_API_BASE_URL: sandbox.url,
      CITI_CLIENT_ID: sandbox.clientId,
      CITI_CLIENT_SECRET: sandbox.clientSecret,
      CITI_SYNC_ENCRYPTION_KEY: KEY.toString('hex'),
      CITI_REDIRECT_URI: 'https://app.example.com/callback',
    });
    children.push(child);
    const r = await child.done;
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^citi-sync: CITI_REDIRECT_URI must be a loopback http URL/);
    expect(r.stdout).toBe('');
  });
});
