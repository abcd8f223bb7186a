import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxCli, startSandbox, type Sandbox, type TokenResponse } from '../../src/sandbox/index.ts';
import { accountsPath, errorCode, get, TODAY } from './client.ts';

async function admin(sb: Sandbox | string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const origin = typeof sb === 'string' ? sb : new URL(sb.url).origin;
  const r = await request(`${origin}/__sandbox/${path}`, { method: method as 'GET', ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
}

describe('admin API', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ today: TODAY, rateLimit: false });
  });
  afterAll(() => sb.close());

  it('issues tokens, serves stats and truth, advances, resets', async () => {
    const t = await admin(sb, 'POST', 'users/user-2/tokens');
    expect(t.status).toBe(200);
    const tokens = t.json as unknown as TokenResponse;
    expect((await get(sb, accountsPath(sb), tokens.access_token)).status).toBe(200);
    expect((await admin(sb, 'GET', 'stats')).json).toMatchObject({ requests: 1, byStatus: { '200': 1 } });
    const truth = await admin(sb, 'GET', 'truth?userId=user-2');
    expect((truth.json.accounts as Array<{ accountId: string }>).map((a) => a.accountId)).toEqual(sb.users[1]!.accountIds);
    expect((await admin(sb, 'POST', 'advance', { days: 2 })).json).toEqual({ today: '2026-11-27' });
    expect(sb.today()).toBe('2026-11-27');
    await admin(sb, 'POST', 'stats/reset');
    expect(sb.stats().requests).toBe(0);
    expect((await admin(sb, 'POST', 'users/nobody/tokens')).status).toBe(400);
  });

  it('is no tool for a neighbour: a rebound DNS name gets 421, and the clock moves at most ten years at once', async () => {
    // Through DNS rebinding a web page read /__sandbox/info (the client secret) and minted tokens; a
    // million days blocked the server for half a minute.
    const origin = new URL(sb.url).origin;
    const viaName = await request(`${origin}/__sandbox/info`, { headers: { host: 'attacker.example' } });
    expect(viaName.statusCode).toBe(421);
    expect(await viaName.body.text()).not.toContain(sb.clientSecret);
    expect((await request(`${origin}/__sandbox/users/user-1/tokens`, { method: 'POST', headers: { host: 'attacker.example' } })).statusCode).toBe(421);
    expect((await request(`${origin}/__sandbox/info`, { headers: { host: `localhost:${sb.port}` } })).statusCode).toBe(200);
    const before = sb.today();
    const t0 = Date.now();
    expect((await admin(sb, 'POST', 'advance', { days: 1_000_000 })).status).toBe(400);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(sb.today()).toBe(before);
  });

  it('sets and clears faults, expires tokens, sets shapes', async () => {
    const tokens = await sb.issueTokens('user-1');
    expect((await admin(sb, 'POST', 'faults', { status5xxProbability: 1 })).status).toBe(200);
    expect(errorCode((await get(sb, accountsPath(sb), tokens.access_token)).json)).toBe('serverUnavailable');
    await admin(sb, 'DELETE', 'faults');
    expect((await get(sb, accountsPath(sb), tokens.access_token)).status).toBe(200);
    await admin(sb, 'POST', 'faults', { status5xxProbability: 1 });
    await admin(sb, 'POST', 'faults', {});
    expect((await get(sb, accountsPath(sb), tokens.access_token)).status).toBe(200);
    expect((await admin(sb, 'POST', 'faults', { status5xxProbability: 7 })).status).toBe(400);
    await admin(sb, 'POST', 'expire-tokens');
    expect((await get(sb, accountsPath(sb), tokens.access_token)).status).toBe(401);
    const acct = sb.users[0]!.accountIds[2]!;
    expect((await admin(sb, 'POST', `accounts/${acct}/shape`, { shape: 'noIds' })).status).toBe(200);
    expect(sb.truth('user-1').accounts[2]!.transactions[0]!.transactionId).toBeNull();
    expect((await admin(sb, 'POST', `accounts/${acct}/shape`, { shape: 'weird' })).status).toBe(400);
    expect((await admin(sb, 'POST', 'accounts/unknown/shape', { shape: 'normal' })).status).toBe(400);
    expect((await admin(sb, 'GET', 'nothing-here')).status).toBe(404);
  });
});

describe('CLI', () => {
  it('runSandboxCli prints credentials, URL, users and how to get tokens', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const sb = await runSandboxCli({ port: 0, seed: 3, today: TODAY, users: 2, rateLimit: false }, out);
    try {
      expect(text).toContain(sb.url);
      expect(text).toContain(sb.clientId);
      expect(text).toContain(sb.clientSecret);
      for (const u of sb.users) expect(text).toContain(`/__sandbox/users/${u.userId}/tokens`);
      expect(text).toContain('/authCode/oauth2/authorize?');
      expect(text).toContain('market         US (US v2 dialect; token path /authCode/oauth2/token/us/gcb)');
    } finally {
      await sb.close();
    }
  });

  it('--country picks the market: its dialect, token path and authorize countryCode', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const sb = await runSandboxCli({ country: 'sg', port: 0, seed: 3, today: TODAY, users: 1, rateLimit: false }, out);
    try {
      expect(sb.country).toBe('SG');
      expect(text).toContain('market         SG (Asia-Pacific v1 dialect; token path /authCode/oauth2/token/sg/gcb)');
      expect(text).toContain('countryCode=SG');
    } finally {
      await sb.close();
    }
    await expect(runSandboxCli({ country: 'Singapore', port: 0, seed: 3 }, new PassThrough())).rejects.toThrow(/two-letter/);
  });

  it('runs as a process and exits cleanly on SIGTERM', async () => {
    const main = fileURLToPath(new URL('../../src/sandbox/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--country', 'in', '--port', '0', '--seed', '9', '--today', TODAY, '--users', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('Ctrl-C')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${text}`)));
    });
    const origin = /admin API\s+(http:\/\/\S+)\/__sandbox\//.exec(text)![1]!;
    expect((await admin(origin, 'GET', 'info')).json).toMatchObject({ today: TODAY, country: 'IN' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
