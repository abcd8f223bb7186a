import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { addConnection } from '../../src/auth/consent.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { runCli } from '../reliability/support/cli.ts';

let sandbox: Sandbox;
let good: TestDatabase;
let bare: TestDatabase;
const key = randomBytes(32).toString('hex');

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3, rateLimit: false });
  good = await createTestDatabase();
  bare = await createTestDatabase({ migrated: false });
  const cipher = new TokenCipher(Buffer.from(key, 'hex'));
  await addConnection(good.db, cipher, { id: 'alice', refreshToken: 'rt-alice' });
  await addConnection(good.db, cipher, { id: 'bob', refreshToken: 'rt-bob' });
});

afterAll(async () => {
  await sandbox?.close();
  await good?.drop();
  await bare?.drop();
});

const env = (over: Record<string, string> = {}) => ({
  DATABASE_URL: good.url,
  REDIS_URL: testRedisUrl(),
  CITI_API_BASE_URL: sandbox.url,
  CITI_CLIENT_ID: sandbox.clientId,
  CITI_CLIENT_SECRET: sandbox.clientSecret,
  CITI_SYNC_ENCRYPTION_KEY: key,
  ...over,
});

describe('citi-sync doctor', () => {
  it('one line per check, all ok, exit 0', async () => {
    const r = await runCli(['doctor'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `ok config: parsed (server Postgres, Citi at ${new URL(sandbox.url).origin})`,
      'ok database: reachable (server)',
      'ok migrations: schema is current',
      `ok redis: reachable at ${new URL(testRedisUrl()).host}`,
      'ok citi token endpoint: reachable; client credentials accepted',
      "ok clock: within 1 s of Citi's",
      'ok encryption key: opens the stored tokens of all 2 connection(s)',
    ]);
  });

  it('names each failure and exits 1: wrong key, rejected credentials, Redis down', async () => {
    const r = await runCli(['doctor'], env({ CITI_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('hex'), CITI_CLIENT_SECRET: 'wrong', REDIS_URL: 'redis://127.0.0.1:1' }));
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^ok config/);
    expect(lines[3]).toMatch(/^FAIL redis: .*\(needed by worker, schedule; not by sync\)$/);
    expect(lines[4]).toMatch(/^FAIL citi token endpoint: client credentials rejected/);
    expect(lines[5]).toMatch(/^ok clock/);
    expect(lines[6]).toBe('FAIL encryption key: cannot decrypt the tokens of 2 of 2 connection(s) (alice, bob): wrong CITI_SYNC_ENCRYPTION_KEY, or an old key missing from CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS');
    expect(r.stderr).toBe('citi-sync: 3 check(s) failed\n');
  });

  it('an unmigrated database fails the migrations check, saying what to run', async () => {
    const r = await runCli(['doctor'], env({ DATABASE_URL: bare.url }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL migrations: .*\(run: npx citi-sync migrate\)$/m);
  });
});
