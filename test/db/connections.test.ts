import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addConnection } from '../../src/auth/consent.ts';
import { TokenCipher } from '../../src/auth/crypto.ts';
import {
  ConnectionExistsError,
  ConnectionNotFoundError,
  getConnection,
  listConnections,
  removeConnection,
  setStatus,
} from '../../src/db/connections.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const cipher = new TokenCipher(Buffer.alloc(32, 7));
const REFRESH = 'rt-plaintext-refresh-0123456789';
const ACCESS = 'at-plaintext-access-0123456789';

const backends = [
  ['postgres', createTestDatabase],
  ['pglite', createPgliteTestDatabase],
] as const;

describe.each(backends)('connections repository on %s', (_name, create) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await create();
  });
  afterEach(() => t.drop());

  it('stores tokens encrypted only, and lists connections without secrets', async () => {
    const expires = new Date('2026-12-25T00:00:00Z');
    const summary = await addConnection(t.db, cipher, {
      id: 'alice',
      refreshToken: REFRESH,
      accessToken: ACCESS,
      accessTokenExpiresAt: new Date('2026-11-25T12:30:00Z'),
      refreshTokenExpiresAt: expires,
      scopes: 'accounts_details_transactions',
    });
    expect(summary).toMatchObject({ id: 'alice', status: 'active', statusReason: null, refreshTokenExpiresAt: expires });

    // No column of any table holds a plaintext token.
    const dump = await t.db.query(`SELECT row_to_json(c)::text AS j FROM citi_sync.connections c`);
    expect(JSON.stringify(dump.rows)).not.toContain(REFRESH);
    expect(JSON.stringify(dump.rows)).not.toContain(ACCESS);

    const record = await getConnection(t.db, 'alice');
    expect(record).toBeDefined();
    expect(cipher.decrypt(record!.refreshTokenEnc!)).toBe(REFRESH);
    expect(cipher.decrypt(record!.accessTokenEnc!)).toBe(ACCESS);
    expect(record!.scopes).toBe('accounts_details_transactions');

    const list = await listConnections(t.db);
    expect(list).toEqual([
      {
        id: 'alice',
        status: 'active',
        statusReason: null,
        country: 'US',
        accessTokenExpiresAt: new Date('2026-11-25T12:30:00Z'),
        refreshTokenExpiresAt: expires,
        lastRefreshedAt: null,
        createdAt: expect.any(Date),
      },
    ]);
    expect(JSON.stringify(list)).not.toMatch(/v1\.|plaintext/);
  });

  it('refuses a duplicate id unless replace, which re-activates it and keeps its data', async () => {
    await addConnection(t.db, cipher, { id: 'bob', refreshToken: 'old' });
    await t.db.query(`INSERT INTO citi_sync.accounts (connection_id, account_id, raw) VALUES ('bob', 'a1', '{}')`);
    await setStatus(t.db, 'bob', 'needs_reauth', 'invalid_grant');
    await expect(addConnection(t.db, cipher, { id: 'bob', refreshToken: 'new' })).rejects.toBeInstanceOf(ConnectionExistsError);

    await addConnection(t.db, cipher, { id: 'bob', refreshToken: 'new', country: 'sg' }, { replace: true });
    const record = await getConnection(t.db, 'bob');
    // Re-linking records the market it was re-linked in; a code that is not a country is refused.
    expect(record!.country).toBe('SG');
    await expect(addConnection(t.db, cipher, { id: 'carol', refreshToken: 'r', country: 'USA' })).rejects.toThrow(/invalid country "USA"/);
    expect(record).toMatchObject({ status: 'active', statusReason: null, accessTokenEnc: null });
    expect(cipher.decrypt(record!.refreshTokenEnc!)).toBe('new');
    expect((await t.db.query(`SELECT account_id FROM citi_sync.accounts`)).rows).toEqual([{ account_id: 'a1' }]);
  });

  it('validates ids', async () => {
    for (const id of ['', 'has space', 'colon:id', '-leading', 'x'.repeat(65)]) {
      await expect(addConnection(t.db, cipher, { id, refreshToken: 'r' })).rejects.toThrow(/invalid connection id/);
    }
    await addConnection(t.db, cipher, { id: 'Ok_1.2-3', refreshToken: 'r' });
  });

  it('remove revokes: tokens nulled, data kept; purge deletes the connection and all its rows', async () => {
    for (const id of ['keep', 'purge']) {
      await addConnection(t.db, cipher, { id, refreshToken: 'r', accessToken: 'a', accessTokenExpiresAt: new Date() });
      await t.db.query(`INSERT INTO citi_sync.accounts (connection_id, account_id, raw) VALUES ($1, 'a1', '{}')`, [id]);
      await t.db.query(
        `INSERT INTO citi_sync.transactions (connection_id, account_id, transaction_id, status, transaction_date, amount, currency_code, raw)
         VALUES ($1, 'a1', 't1', 'posted', '2026-01-01', '1.00', 'USD', '{}')`,
        [id],
      );
      await t.db.query(`INSERT INTO citi_sync.sync_runs (connection_id, "trigger") VALUES ($1, 'cli')`, [id]);
    }
    expect(await removeConnection(t.db, 'keep')).toBe(true);
    expect(await getConnection(t.db, 'keep')).toMatchObject({
      status: 'revoked',
      statusReason: 'removed by the user',
      accessTokenEnc: null,
      refreshTokenEnc: null,
      accessTokenExpiresAt: null,
    });
    expect(await removeConnection(t.db, 'purge', { purge: true })).toBe(true);
    expect(await getConnection(t.db, 'purge')).toBeUndefined();
    const counts = await t.db.query(
      `SELECT (SELECT count(*)::int FROM citi_sync.accounts) AS accounts,
              (SELECT count(*)::int FROM citi_sync.transactions) AS transactions,
              (SELECT count(*)::int FROM citi_sync.sync_runs) AS runs`,
    );
    expect(counts.rows).toEqual([{ accounts: 1, transactions: 1, runs: 1 }]);
    expect(await removeConnection(t.db, 'nobody')).toBe(false);
    expect(await removeConnection(t.db, 'nobody', { purge: true })).toBe(false);
  });

  it('setStatus records status and reason, and fails for an unknown id', async () => {
    await addConnection(t.db, cipher, { id: 'carol', refreshToken: 'r' });
    await setStatus(t.db, 'carol', 'needs_reauth', 'Citi rejected the refresh token');
    expect(await listConnections(t.db)).toMatchObject([{ id: 'carol', status: 'needs_reauth', statusReason: 'Citi rejected the refresh token' }]);
    await expect(setStatus(t.db, 'nobody', 'active', null)).rejects.toBeInstanceOf(ConnectionNotFoundError);
  });

  it('getConnection can lock the row inside a transaction', async () => {
    await addConnection(t.db, cipher, { id: 'dave', refreshToken: 'r' });
    const got = await t.db.transaction((tx) => getConnection(tx, 'dave', { forUpdate: true }));
    expect(got?.id).toBe('dave');
  });
});
