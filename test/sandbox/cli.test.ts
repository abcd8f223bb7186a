/**
 * What `citi-sync sandbox` tells the terminal and its admin API about credentials. A secret it made
 * up is shown (a client needs it); one passed in (CITI_CLIENT_SECRET, --client-secret-file) may be
 * the operator's real one and is never echoed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runSandboxCli } from '../../src/sandbox/cli.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { spawnCli, type RunningCli } from '../reliability/support/cli.ts';

const REAL = 'prod-secret-0f3a9c1e7b2d4a6f8e0c';

const sandboxes: Sandbox[] = [];
const children: RunningCli[] = [];
afterEach(async () => {
  for (const s of sandboxes.splice(0)) await s.close();
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null) c.proc.kill('SIGTERM');
    await c.done;
  }
});

async function printed(clientSecret?: string): Promise<{ text: string; sandbox: Sandbox }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const sandbox = await runSandboxCli({ port: 0, seed: 7, users: 1, rateLimit: false, ...(clientSecret ? { clientSecret } : {}) }, out);
  sandboxes.push(sandbox);
  return { text, sandbox };
}

async function info(sandbox: Sandbox): Promise<Record<string, unknown>> {
  return (await (await fetch(`${new URL(sandbox.url).origin}/__sandbox/info`)).json()) as Record<string, unknown>;
}

describe('sandbox credentials on display', () => {
  it('a generated secret is printed and served by /__sandbox/info', async () => {
    const { text, sandbox } = await printed();
    expect(sandbox.clientSecretSupplied).toBe(false);
    expect(text).toContain(`client secret  ${sandbox.clientSecret}`);
    expect((await info(sandbox)).clientSecret).toBe(sandbox.clientSecret);
  });

  it('a supplied secret is neither printed nor served, and still accepted', async () => {
    const { text, sandbox } = await printed(REAL);
    expect(sandbox.clientSecretSupplied).toBe(true);
    expect(text).not.toContain(REAL);
    expect(text).toContain('client secret  (the one supplied; not shown)');
    expect(text).toContain(`client id      ${sandbox.clientId}`);
    const body = await info(sandbox);
    expect(JSON.stringify(body)).not.toContain(REAL);
    expect(body.clientId).toBe(sandbox.clientId);
    const refresh = (secret: string) =>
      fetch(`${sandbox.url}/authCode/oauth2/refresh`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${sandbox.clientId}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'nope' }),
      }).then((r) => r.status);
    // With the supplied secret the client is authenticated (only the refresh token fails).
    expect([await refresh(REAL), await refresh('wrong')]).toEqual([400, 401]);
  });

  it.each([
    ['CITI_CLIENT_SECRET', () => ({ CITI_CLIENT_SECRET: REAL })],
    ['CITI_CLIENT_SECRET_FILE', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'citi-sync-sandbox-')), 'secret');
      writeFileSync(file, `${REAL}\n`, { mode: 0o600 });
      return { CITI_CLIENT_SECRET_FILE: file };
    }],
  ])('citi-sync sandbox with %s: the value never reaches stdout or stderr', async (_, env) => {
    const child = spawnCli(['sandbox', '--port', '0', '--users', '1'], env());
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (child.stdout().includes('Ctrl-C to stop.')) {
          clearInterval(poll);
          resolve();
        } else if (child.proc.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`sandbox exited: ${child.stderr()}`));
        }
      }, 20);
    });
    child.proc.kill('SIGTERM');
    const r = await child.done;
    expect(r.stdout).toContain('client secret  (the one supplied; not shown)');
    expect(r.stdout + r.stderr).not.toContain(REAL);
  }, 30_000);
});
