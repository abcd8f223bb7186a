import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { runCli } from '../reliability/support/cli.ts';

let sandbox: Sandbox;
let t: TestDatabase;
const key = randomBytes(32).toString('hex');

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, rateLimit: false });
  t = await createTestDatabase();
});

afterAll(async () => {
  await sandbox?.close();
  await t?.drop();
});

const env = () => ({ DATABASE_URL: t.url, CITI_API_BASE_URL: sandbox.url, CITI_CLIENT_ID: sandbox.clientId, CITI_CLIENT_SECRET: sandbox.clientSecret, CITI_SYNC_ENCRYPTION_KEY: key, LOG_LEVEL: 'silent' });

describe('connection add verifies the token', () => {
  it('refreshes it and lists the accounts, keeping the rotated token', async () => {
    const user = sandbox.users[0]!;
    const tokens = await sandbox.issueTokens(user.userId);
    const r = await runCli(['connection', 'add', '--id', 'alice', '--refresh-token', tokens.refresh_token], env());
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`connection alice added; Citi accepted the token (${user.accountIds.length} account(s); the rotated token is stored)\n`);
    expect(r.code).toBe(0);
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.accounts WHERE connection_id = 'alice'`);
    expect(rows[0]!.n).toBe(user.accountIds.length);
    // The rotated token works: a sync after it succeeds (the given one was spent by the check).
    const sync = await runCli(['sync', '--connection', 'alice', '--json'], env());
    expect(sync.code).toBe(0);
    const summary = JSON.parse(sync.stdout) as { totals: { accounts: number; failed: number } };
    expect(summary.totals).toMatchObject({ accounts: user.accountIds.length, failed: 0 });
  });

  it('stores nothing when Citi rejects the token, exit 1', async () => {
    const r = await runCli(['connection', 'add', '--id', 'bob', '--refresh-token', 'not-a-real-token'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^citi-sync: Citi did not accept the token for bob: .*\(nothing stored\)\n$/);
    const { rows } = await t.db.query(`SELECT id FROM citi_sync.connections WHERE id = 'bob'`);
    expect(rows).toEqual([]);
  });

  it('--no-verify stores it unchecked', async () => {
    const r = await runCli(['connection', 'add', '--id', 'carol', '--refresh-token', 'unchecked', '--no-verify'], env());
    expect([r.code, r.stdout]).toEqual([0, 'connection carol added (not verified)\n']);
  });
});
