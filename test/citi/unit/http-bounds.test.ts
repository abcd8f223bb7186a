import { getEventListeners } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CitiClient, HttpTransport, RetryLaterError, TokenBucketGate } from '../../../src/citi/index.ts';
import { SeqTokens } from './fakeWire.ts';

/**
 * Issue 10 item 8: a whole-request deadline and a body cap, against a hostile server on loopback.
 * Before: a body trickled at 1 byte/s lived past any deadline (the body timeout is a silence, and
 * there is none), and a 50 MB body was read whole.
 */
let server: Server;
let base: string;
let bytesSent = 0;
const timers = new Set<NodeJS.Timeout>();

function trickle(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const t = setInterval(() => {
    if (res.destroyed) return clearInterval(t);
    res.write(' ');
  }, 1000);
  timers.add(t);
}

function huge(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      if (res.destroyed) return;
      sent += chunk.length;
      bytesSent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => undefined);
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/api/trickle')) return trickle(res);
    if (req.url?.startsWith('/api/huge')) return huge(res, 50 * 1024 * 1024);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"accountGroupSummary":[],"nextStartIndex":""}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  for (const t of timers) clearInterval(t);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('HttpTransport bounds', () => {
  it('a body trickled at 1 byte/s ends at the deadline, as a transient error', async () => {
    const http = new HttpTransport({ baseUrl: base, timeouts: { headersMs: 2000, bodyMs: 2000, deadlineMs: 2500 } });
    const started = Date.now();
    const err = await http.send({ method: 'GET', path: '/trickle', headers: {} }).catch((e: unknown) => e);
    const ms = Date.now() - started;
    await http.close();
    expect(err).toBeInstanceOf(RetryLaterError);
    expect((err as RetryLaterError).code).toBe('CITI_REQUEST_DEADLINE');
    expect((err as Error).message).toBe('request failed (CITI_REQUEST_DEADLINE) on /trickle');
    expect(ms).toBeGreaterThanOrEqual(2400);
    expect(ms).toBeLessThan(4000);
  });

  it("the caller's abort ends a request at once with the caller's reason (also one aborted before it was sent), and leaves no listener behind", async () => {
    const http = new HttpTransport({ baseUrl: base, timeouts: { headersMs: 5000, bodyMs: 5000, deadlineMs: 5000 } });
    try {
      const stop = new AbortController();
      const reason = new Error('shutting down');
      const started = Date.now();
      setTimeout(() => stop.abort(reason), 200);
      expect(await http.send({ method: 'GET', path: '/trickle', headers: {}, signal: stop.signal }).catch((e: unknown) => e)).toBe(reason);
      expect(Date.now() - started).toBeLessThan(2000);
      const early = new AbortController();
      early.abort(reason);
      expect(await http.send({ method: 'GET', path: '/ok', headers: {}, signal: early.signal }).catch((e: unknown) => e)).toBe(reason);
      const kept = new AbortController();
      expect((await http.send({ method: 'GET', path: '/ok', headers: {}, signal: kept.signal })).status).toBe(200);
      expect(getEventListeners(kept.signal, 'abort')).toHaveLength(0);
    } finally {
      await http.close();
    }
  });

  it('a 50 MB body is cut at the cap without being buffered', async () => {
    bytesSent = 0;
    const http = new HttpTransport({ baseUrl: base, maxBodyBytes: 1024 * 1024 });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const err = await http.send({ method: 'GET', path: '/huge', headers: {} }).catch((e: unknown) => e);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    if (process.env.SHOW_FIGURES) console.log({ bytesSent, rssGrowth });
    await http.close();
    expect(err).toBeInstanceOf(RetryLaterError);
    expect((err as RetryLaterError).code).toBe('UND_ERR_RES_EXCEEDED_MAX_SIZE');
    // The server got to write the cap plus what the socket buffers hold, far from 50 MB.
    expect(bytesSent).toBeLessThan(12 * 1024 * 1024);
    expect(rssGrowth).toBeLessThan(40 * 1024 * 1024);
  });

  it('through the client: each bound is retried per the policy, then the call fails', async () => {
    // The server answers Asia-Pacific v1 bodies (`/v1/accounts`): clients of that dialect.
    const client = new CitiClient({
      baseUrl: base,
      clientId: 'c',
      clientSecret: 's',
      country: 'SG',
      gate: new TokenBucketGate({ perSecond: 100 }),
      timeouts: { deadlineMs: 300 },
      maxRetries: 2,
      retryBaseMs: 1,
      retryMaxMs: 2,
    });
    const statuses: Array<number | string> = [];
    const c2 = new CitiClient({
      baseUrl: base.replace('/api', '/api/trickle'),
      clientId: 'c',
      clientSecret: 's',
      country: 'SG',
      gate: new TokenBucketGate({ perSecond: 100 }),
      timeouts: { deadlineMs: 300 },
      maxRetries: 2,
      retryBaseMs: 1,
      retryMaxMs: 2,
      onRequest: (e) => statuses.push(e.status),
    });
    try {
      await client.listAccounts(new SeqTokens());
      const err = await (async () => {
        await c2.listAccounts(new SeqTokens());
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryLaterError);
      expect((err as Error).message).toBe('request failed (CITI_REQUEST_DEADLINE) on /v1/accounts');
      expect(statuses).toEqual(['error', 'error', 'error']);
    } finally {
      await client.close();
      await c2.close();
    }
  });
});
