/**
 * RELIABILITY K and L: a refresh whose connection dropped with no answer is not retried (Citi may
 * have rotated the token), is logged as "the grant may be lost" and kept on the connection for
 * `status`; over https with no client certificate, the error also says how to configure two-way TLS.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnection } from '../../src/auth/consent.ts';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { ConnectionTokens } from '../../src/auth/tokens.ts';
import { CitiClient, RefreshOutcomeUnknownError, TokenBucketGate } from '../../src/citi/index.ts';
import { getConnection } from '../../src/db/connections.ts';
import { createLogger } from '../../src/log/logger.ts';
import { makePki, type TestPki } from '../reliability/support/tls.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const cipher = new TokenCipher(Buffer.alloc(32, 3));
let pki: TestPki;
let server: Server;
let baseUrl: string;
let requests = 0;

beforeAll(async () => {
  pki = makePki();
  // Reads the whole refresh request, then drops the connection without a word: the request was sent.
  server = createServer({ cert: pki.serverCert, key: pki.serverKey }, (req) => {
    requests += 1;
    req.resume();
    req.on('end', () => req.socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  pki.remove();
});

function client(withCert: boolean): CitiClient {
  return new CitiClient({
    baseUrl,
    clientId: 'id',
    clientSecret: 'secret',
    gate: new TokenBucketGate({ perSecond: 1000, burst: 100 }),
    tls: withCert ? { ca: pki.caPem, cert: readFileSync(pki.clientCertPath, 'utf8'), key: readFileSync(pki.clientKeyPath, 'utf8') } : { ca: pki.caPem },
    maxRetries: 5,
    retryBaseMs: 1,
    retryMaxMs: 5,
  });
}

describe.each([
  ['Postgres', createTestDatabase],
  ['PGlite', createPgliteTestDatabase],
] as const)('a refresh that loses its answer (%s)', (_name, create) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await create();
  });
  afterAll(async () => t.drop());

  it.each([false, true])('is sent once, reported as "the grant may be lost", kept for status (client certificate: %s)', async (withCert) => {
    const id = `c${withCert ? 1 : 0}`;
    await addConnection(t.db, cipher, { id, refreshToken: 'rt-1' });
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const c = client(withCert);
    const tokens = new ConnectionTokens({ db: t.db, cipher, oauth: c.oauth, logger }, id);
    const before = requests;
    try {
      const err = await tokens.accessToken().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RefreshOutcomeUnknownError);
      const tls = withCert ? '' : '; if Citi requires two-way TLS, set CITI_TLS_CERT and CITI_TLS_KEY';
      expect((err as Error).message).toBe(
        `request failed (UND_ERR_SOCKET) on /authCode/oauth2/refresh${tls}: the refresh may have reached Citi, which would have rotated the refresh token; not retried, the grant may be lost (if the next sync fails with invalid_grant, run citi-sync connect)`,
      );
    } finally {
      await c.close();
    }
    expect(requests - before).toBe(1);
    const warned = lines.map((l) => JSON.parse(l) as { level: number; msg: string; connectionId?: string }).filter((l) => l.level === 40);
    expect(warned).toEqual([expect.objectContaining({ connectionId: id, msg: 'refresh connection dropped after sending: the grant may be lost' })]);
    const row = await getConnection(t.db, id);
    expect(row?.status).toBe('active');
    expect(row?.statusReason).toMatch(/^the last refresh \(\d{4}-\d\d-\d\dT[\d:.]+Z\) lost its answer: the grant may be lost; if the next sync fails with invalid_grant, run citi-sync connect$/);
    // The stored refresh token is untouched: the next sync presents it once more, and only once.
    expect(cipher.decrypt(row!.refreshTokenEnc!)).toBe('rt-1');
  });

  it('through a resource call too: the call ends with the refresh, which is sent once', async () => {
    await addConnection(t.db, cipher, { id: 'r1', refreshToken: 'rt-1' });
    const c = client(false);
    const tokens = new ConnectionTokens({ db: t.db, cipher, oauth: c.oauth, logger: createLogger({ level: 'silent' }) }, 'r1');
    const before = requests;
    try {
      const err = await (async () => {
        await c.listAccounts(tokens);
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RefreshOutcomeUnknownError);
    } finally {
      await c.close();
    }
    expect(requests - before).toBe(1);
  });
});
