import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { lines, runCli } from './support/cli.ts';

/**
 * Bad input at the edge: one line naming the problem (commander may add its "(run citi-sync --help
 * for usage)" hint), exit code 2, and nothing run. Real child processes, real environments.
 */
const KEY = 'ab'.repeat(32);
const HINT = '(run citi-sync --help for usage)';

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
  ];

  it.concurrent.each(cases)('$name: one line, exit 2', async (c) => {
    const r = await runCli(c.args, { ...base(), ...c.env }, 60_000);
    const out = lines(r.stderr).filter((l) => l !== HINT);
    expect({ code: r.code, lines: out.length }).toEqual({ code: 2, lines: 1 });
    expect(out[0]).toMatch(c.says);
    // Never echoes a secret back.
    expect(r.stderr).not.toContain('secret');
    expect(r.stderr).not.toContain(KEY);
    expect(r.stdout).toBe('');
  });
});
