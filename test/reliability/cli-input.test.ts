import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { lines, runCli, spawnCli } from './support/cli.ts';

/**
 * Bad input at the edge: one line naming the problem (commander may add its "(run citi-sync --help
 * for usage)" hint), exit code 2, and nothing run. Real child processes, real environments.
 */
const KEY = 'ab'.repeat(32);
const HINT = '(run citi-sync --help for usage)';
const PW = 'Pa55w0rd-zq9';

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** What the one line must say (the key or flag, and the problem). */
  says: RegExp;
}

describe('bad CLI and config input', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const base = (): Record<string, string> => ({
    DATABASE_URL: t.url,
    CITI_API_BASE_URL: 'http://127.0.0.1:9/gcb/api',
    CITI_CLIENT_ID: 'id',
    CITI_CLIENT_SECRET: 'secret',
    CITI_SYNC_ENCRYPTION_KEY: KEY,
  });

  const cases: Case[] = [
    { name: 'DATABASE_URL not a URL', args: ['sync'], env: { DATABASE_URL: 'not a url' }, says: /DATABASE_URL: must be a URL starting with postgres:\/\// },
    { name: 'plain http to a non-loopback host', args: ['sync'], env: { CITI_API_BASE_URL: 'http://api.example.com/gcb/api' }, says: /CITI_API_BASE_URL: must use https:\/\// },
    { name: 'webhook over plain http to a non-loopback host', args: ['sync'], env: { CITI_SYNC_WEBHOOK_URL: 'http://hooks.example.com/citi', CITI_SYNC_WEBHOOK_SECRET: 'whsec-0123456789' }, says: /CITI_SYNC_WEBHOOK_URL: must use https:\/\/ .*CITI_SYNC_WEBHOOK_ALLOW_HTTP=1/ },
    { name: 'webhook over plain http, worker', args: ['worker'], env: { CITI_SYNC_WEBHOOK_URL: 'http://hooks.example.com/citi', CITI_SYNC_WEBHOOK_SECRET: 'whsec-0123456789' }, says: /CITI_SYNC_WEBHOOK_URL: must use https:\/\// },
    { name: 'CITI_SYNC_WEBHOOK_ALLOW_HTTP not a yes or no', args: ['sync'], env: { CITI_SYNC_WEBHOOK_ALLOW_HTTP: 'maybe' }, says: /CITI_SYNC_WEBHOOK_ALLOW_HTTP: must be 1 or 0/ },
    { name: 'CITI_CLIENT_ID missing', args: ['sync'], env: { CITI_CLIENT_ID: '' }, says: /CITI_CLIENT_ID: is required/ },
    { name: 'CITI_SYNC_ENCRYPTION_KEY missing with a server database', args: ['sync'], env: { CITI_SYNC_ENCRYPTION_KEY: '' }, says: /CITI_SYNC_ENCRYPTION_KEY: is required with a server database/ },
    { name: 'CITI_SYNC_ENCRYPTION_KEY of the wrong length', args: ['sync'], env: { CITI_SYNC_ENCRYPTION_KEY: 'abcd' }, says: /CITI_SYNC_ENCRYPTION_KEY: .*(32|64)/ },
    { name: 'CITI_TLS_CERT file missing', args: ['sync'], env: { CITI_TLS_CERT: '/nonexistent/cert.pem', CITI_TLS_KEY: '/nonexistent/key.pem' }, says: /CITI_TLS_CERT: cannot read file/ },
    { name: 'bad --id', args: ['connection', 'add', '--id', 'bad id!', '--refresh-token', 'x'], says: /--id .*invalid/ },
    { name: '--id longer than 64', args: ['connection', 'add', '--id', 'a'.repeat(65), '--refresh-token', 'x'], says: /--id .*1-64/ },
    { name: 'bad --country', args: ['connection', 'add', '--id', 'c1', '--refresh-token', 'x', '--country', 'USA'], says: /--country .*two letters/ },
    { name: 'CITI_COUNTRY not a country code', args: ['sync'], env: { CITI_COUNTRY: 'Singapore' }, says: /CITI_COUNTRY: must be a two-letter country code/ },
    { name: 'bad cron for schedule', args: ['schedule', '--connection', 'c1', '--every', '61 * * * *'], says: /--every: .*61/ },
    { name: 'negative --wait', args: ['sync', '--wait', '-1'], says: /--wait/ },
    { name: '--wait in exponent form', args: ['sync', '--wait', '1e3'], says: /--wait.*whole number from 0 to 2147483/ },
    { name: '--wait past what a timer holds', args: ['sync', '--wait', '3000000'], says: /--wait.*whole number from 0 to 2147483/ },
    { name: 'sandbox --users beyond its bound', args: ['sandbox', '--users', '1000000000'], says: /--users.*whole number from 1 to 10000/ },
    // Issue 10 item 9: a URL's password is never echoed, even when the URL does not parse.
    { name: 'DATABASE_URL with a typo in the scheme', args: ['sync'], env: { DATABASE_URL: `postgress://u:${PW}@h/db` }, says: /^citi-sync: invalid configuration: DATABASE_URL: .*\(got "postgress:\/\/u:\*\*\*@h\/db"\)$/ },
    { name: 'DATABASE_URL with a slash missing', args: ['sync'], env: { DATABASE_URL: `postgres:u:${PW}@h/db` }, says: /DATABASE_URL: .*\(got "\*\*\*@h\/db"\)$/ },
    { name: 'REDIS_URL without its colon', args: ['sync'], env: { REDIS_URL: `redis//:${PW}@h:6379` }, says: /REDIS_URL: .*\(got "\*\*\*@h:6379"\)$/ },
    { name: 'CITI_API_BASE_URL with credentials and a bad scheme', args: ['sync'], env: { CITI_API_BASE_URL: `htps://user:${PW}@api.example.com` }, says: /CITI_API_BASE_URL: .*\(got "htps:\/\/user:\*\*\*@api.example.com"\)$/ },
    // Issue 10 item 12: small validation gaps.
    { name: 'queue prefix without braces', args: ['sync'], env: { CITI_SYNC_QUEUE_PREFIX: 'citi-sync' }, says: /CITI_SYNC_QUEUE_PREFIX: must contain one \{hash tag\} in braces/ },
    { name: 'a cron that never fires, for schedule', args: ['schedule', '--connection', 'c1', '--every', '0 0 31 2 *'], says: /--every: cron "0 0 31 2 \*" never fires/ },
    { name: 'a cron that never fires, for connection add --schedule', args: ['connection', 'add', '--id', 'c9', '--refresh-token', 'x', '--schedule', '0 0 31 2 *'], says: /--schedule.*never fires/ },
    { name: '--metrics-port out of range', args: ['worker', '--metrics-port', '70000'], says: /--metrics-port.*70000.*0-65535/ },
    { name: 'both --refresh-token and --refresh-token-file', args: ['connection', 'add', '--id', 'c9', '--refresh-token', 'x', '--refresh-token-file', '-'], says: /exactly one of --refresh-token/ },
    { name: 'neither --refresh-token nor --refresh-token-file', args: ['connection', 'add', '--id', 'c9'], says: /exactly one of --refresh-token/ },
    { name: '--refresh-token-file that does not exist', args: ['connection', 'add', '--id', 'c9', '--refresh-token-file', '/nonexistent/token'], says: /--refresh-token-file: cannot read \/nonexistent\/token \(ENOENT\)/ },
    { name: '--refresh-token-file - with empty standard input', args: ['connection', 'add', '--id', 'c9', '--refresh-token-file', '-'], says: /--refresh-token-file: standard input is empty/ },
  ];

  it.concurrent.each(cases)('$name: one line, exit 2', async (c) => {
    const r = await runCli(c.args, { ...base(), ...c.env }, 180_000);
    const out = lines(r.stderr).filter((l) => l !== HINT);
    expect({ code: r.code, lines: out.length }).toEqual({ code: 2, lines: 1 });
    expect(out[0]).toMatch(c.says);
    // Never echoes a secret back.
    expect(r.stderr).not.toContain('secret');
    expect(r.stderr).not.toContain(KEY);
    expect(r.stderr).not.toContain(PW);
    expect(r.stdout).toBe('');
  }, 240_000);

  it('nothing was stored by any of them', async () => {
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.connections`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('an unreachable DATABASE_URL is named without its password (exit 1)', async () => {
    const r = await runCli(['sync'], { ...base(), DATABASE_URL: `postgres://u:${PW}@127.0.0.1:1/db` }, 60_000);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^citi-sync: cannot connect to Postgres at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: /)]);
    expect(r.stderr).not.toContain(PW);
  }, 240_000);

  it('CITI_REDIRECT_URI on http://[::1] works: connect listens there (it crashed with a stack trace)', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawnCli(['connect', '--id', 'v6', '--no-open'], { ...base(), CITI_REDIRECT_URI: `http://[::1]:${port}/callback` });
    try {
      const deadline = Date.now() + 60_000;
      while (!child.stdout().includes('Waiting for Citi to redirect') && child.proc.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect({ exit: child.proc.exitCode, stderr: child.stderr() }).toEqual({ exit: null, stderr: '' });
      expect(child.stdout()).toContain(encodeURIComponent(`http://[::1]:${port}/callback`));
      expect((await fetch(`http://[::1]:${port}/elsewhere`)).status).toBe(404);
    } finally {
      child.proc.kill('SIGKILL');
      await child.done;
    }
  }, 240_000);

  it('the refresh token is read from a file or standard input, never needing the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citi-sync-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'refresh-from-file\n', { mode: 0o600 });
    try {
      const fromFile = await runCli(['connection', 'add', '--id', 'f1', '--refresh-token-file', file, '--no-verify'], base(), 60_000);
      expect({ code: fromFile.code, out: fromFile.stdout }).toEqual({ code: 0, out: 'connection f1 added (not verified)\n' });
      const fromStdin = await runCli(['connection', 'add', '--id', 'f2', '--refresh-token-file', '-', '--no-verify'], base(), 60_000, { input: 'refresh-from-stdin\n' });
      expect({ code: fromStdin.code, out: fromStdin.stdout }).toEqual({ code: 0, out: 'connection f2 added (not verified)\n' });
      const cipher = new TokenCipher(Buffer.from(KEY, 'hex'));
      const { rows } = await t.db.query<{ id: string; refresh_token_enc: string }>(`SELECT id, refresh_token_enc FROM citi_sync.connections ORDER BY id`);
      expect(rows.map((r) => [r.id, cipher.decrypt(r.refresh_token_enc)])).toEqual([
        ['f1', 'refresh-from-file'],
        ['f2', 'refresh-from-stdin'],
      ]);
      const help = await runCli(['connection', 'add', '--help'], {}, 60_000);
      const text = help.stdout.replace(/\s+/g, ' ');
      expect(text).toContain('--refresh-token-file <path> read the refresh token from this file, or from standard input with "-"');
      expect(text).toContain('visible to other users in `ps`: prefer --refresh-token-file');
    } finally {
      await t.db.query(`DELETE FROM citi_sync.connections`);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
