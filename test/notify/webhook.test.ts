import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionUnusableError } from '../../src/auth/errors.ts';
import { addConnection } from '../../src/auth/consent.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { eventFor, runClosedHook, WebhookNotifier, type WebhookEvent } from '../../src/notify/index.ts';
import { syncConnection } from '../../src/sync/index.ts';
import { VERSION } from '../../src/version.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { harness, type Harness } from '../sync/harness.ts';

const SECRET = 'whsec-test-0123456789';

interface Received {
  event: WebhookEvent;
  headers: Record<string, string | string[] | undefined>;
  signatureValid: boolean;
}

/** A receiver as an operator would write one: checks the HMAC over `t.body` and the timestamp. */
function verify(header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const expected = createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

let t: TestDatabase;
let h: Harness;
let server: Server;
let url: string;
const received: Received[] = [];
let attempts = 0;
/** Answers 503 to the next N requests (the notifier must retry). */
let failNext = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  h = await harness(t.db);
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      attempts++;
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end();
        return;
      }
      received.push({ event: JSON.parse(body) as WebhookEvent, headers: req.headers, signatureValid: verify(req.headers['x-citi-sync-signature'] as string, body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/citi`;
  h.deps.notifier = new WebhookNotifier({ url, secret: SECRET, logger: silentLogger(), minDelayMs: 20, maxDelayMs: 50 });
  // Wired as the CLI and the worker wire it (syncDepsFrom in src/cli/syncWiring.ts).
  h.deps.onConnectionRunClosed = runClosedHook(h.deps);
});

afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.drop();
});

async function next(count: number): Promise<WebhookEvent[]> {
  await h.deps.notifier!.flush(10_000);
  return received.splice(0, count).map((r) => {
    expect(r.signatureValid, 'signature').toBe(true);
    expect(r.headers['x-citi-sync-event']).toBe(r.event.type);
    expect(r.headers['x-citi-sync-delivery']).toBe(r.event.id);
    return r.event;
  });
}

describe('webhook events', () => {
  it('a partial run, its recovery, then silence while all is well; retried through a 503, signed, no secret inside', async () => {
    const { userId } = await h.connect('alice');
    const broken = h.sandbox.users.find((u) => u.userId === userId)!.accountIds[0]!;
    h.sandbox.setAccountResponse(broken, { status: 500, body: '{"type":"fatal","code":"serverUnavailable"}', times: 1000 });
    failNext = 1;
    const partial = await syncConnection(h.deps, 'alice', { trigger: 'cli' });
    expect(partial.status).toBe('partial');
    const [e1] = await next(1);
    expect(attempts).toBe(2);
    expect(e1).toEqual({
      id: `${partial.runId}:run.partial`,
      type: 'run.partial',
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      connectionId: 'alice',
      runId: partial.runId,
      status: 'partial',
      reason: `1 of ${partial.accounts.length} accounts failed`,
      failedAccounts: [{ accountId: broken, reason: expect.stringContaining('500') }],
      source: { app: 'citi-sync', version: VERSION, host: expect.any(String) },
    });
    // Nothing secret: no token, no client secret, no webhook secret anywhere in the event.
    const text = JSON.stringify(e1);
    for (const secret of [SECRET, h.sandbox.clientSecret, ...h.sandbox.issuedSecrets()]) expect(text).not.toContain(secret);

    h.sandbox.setAccountResponse(broken, null);
    const ok = await syncConnection(h.deps, 'alice', { trigger: 'cli' });
    expect(ok.status).toBe('succeeded');
    const [e2] = await next(1);
    expect([e2!.type, e2!.runId, e2!.status, e2!.reason, e2!.failedAccounts]).toEqual(['connection.recovered', ok.runId, 'succeeded', null, []]);

    await syncConnection(h.deps, 'alice', { trigger: 'cli' });
    expect(await next(1)).toEqual([]);
  });

  it('a consent Citi ended: needs re-consent, with the reason', async () => {
    await addConnection(t.db, h.cipher, { id: 'bob', refreshToken: 'not-a-token-citi-issued' });
    await expect(syncConnection(h.deps, 'bob', { trigger: 'cli' })).rejects.toBeInstanceOf(ConnectionUnusableError);
    const [e] = await next(1);
    expect([e!.type, e!.connectionId, e!.status]).toEqual(['connection.needs_reconsent', 'bob', 'failed']);
    expect(e!.reason).toMatch(/invalid_grant|consent/i);
  });

  it('a dead receiver never slows a sync: the send returns at once and gives up after its retries', async () => {
    const dead = new WebhookNotifier({ url: 'http://127.0.0.1:9/nothing', secret: SECRET, logger: silentLogger(), retries: 2, minDelayMs: 10, maxDelayMs: 20 });
    const started = performance.now();
    dead.send({ ...eventFor({ connectionId: 'x', runId: 'r', status: 'failed', error: 'e', finishedAt: new Date(), previousStatus: null, connectionStatus: 'active', connectionReason: null, failedAccounts: [] }, { app: 'citi-sync', version: VERSION, host: 'h' })! });
    expect(performance.now() - started).toBeLessThan(20);
    expect(await dead.flush(5000)).toBe(true);
  });
});

describe('eventFor', () => {
  const base = { connectionId: 'c', runId: 'r1', error: null, finishedAt: new Date('2026-11-25T10:00:00Z'), connectionStatus: 'active', connectionReason: null, failedAccounts: [] };
  const src = { app: 'citi-sync' as const, version: '1', host: 'h' };
  it.each([
    ['failed', null, 'active', 'run.failed'],
    ['partial', 'succeeded', 'active', 'run.partial'],
    ['succeeded', 'failed', 'active', 'connection.recovered'],
    ['succeeded', 'partial', 'active', 'connection.recovered'],
    ['succeeded', 'succeeded', 'active', undefined],
    ['succeeded', null, 'active', undefined],
    ['failed', 'succeeded', 'needs_reauth', 'connection.needs_reconsent'],
  ])('%s after %s (connection %s) → %s', (status, previousStatus, connectionStatus, type) => {
    expect(eventFor({ ...base, status, previousStatus, connectionStatus }, src)?.type).toBe(type);
  });
});
