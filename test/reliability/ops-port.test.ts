import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.ts';
import { WorkerMetrics } from '../../src/queue/metrics.ts';
import { openQueues, type Queues } from '../../src/queue/queues.ts';
import { OPS_LIMITS, startOpsServer, type OpsLimits, type OpsServer } from '../../src/queue/server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { randomQueuePrefix, testRedisUrl } from '../helpers/redis.ts';
import { lines, runCli } from './support/cli.ts';

/**
 * Issue 10 item 2: the ops port (metrics, health, bull-board) as someone on another host would try
 * it. Before: it listened on every interface and the dashboard let anyone add jobs, pause every
 * queue and clean jobs. Each attack is followed by a look at Redis: nothing may have changed.
 */
const TOKEN = 'dashboard-token-0123456789abcdef';

describe('ops port: bind address and dashboard access', () => {
  let t: TestDatabase;
  let redis: Redis;
  let queues: Queues;
  const prefix = randomQueuePrefix('ops');
  const servers: OpsServer[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    queues = openQueues(redis, prefix);
    await queues.connection.add('sync-connection', { connectionId: 'c1', trigger: 'manual' }, { jobId: 'j1' });
    await queues.connection.add('sync-connection', { connectionId: 'c2', trigger: 'manual' }, { jobId: 'j2', delay: 3_600_000 });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await queues?.connection.obliterate({ force: true }).catch(() => undefined);
    await queues?.close();
    redis?.disconnect();
    await t?.drop();
  });

  async function serve(token?: string, limits?: Partial<OpsLimits>): Promise<string> {
    const metrics = new WorkerMetrics({ db: t.db });
    const s = await startOpsServer({
      port: 0,
      metrics,
      logger: silentLogger(),
      checks: { redis: () => redis.ping(), postgres: () => t.db.query('SELECT 1') },
      dashboard: { queues: [queues.connection, queues.account, queues.refresh], token },
      limits,
    });
    servers.push(s);
    return `http://127.0.0.1:${s.port}`;
  }

  /** What an attacker could change: job counts per state and whether the queue is paused. */
  async function queueState(): Promise<unknown> {
    return { counts: await queues.connection.getJobCounts(), paused: await queues.connection.isPaused() };
  }

  /** A raw connection to the port, and when (ms after opening) the server closed it. */
  async function rawClient(base: string): Promise<{ socket: Socket; closedAfter: Promise<number>; received: () => string }> {
    const opened = Date.now();
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString()));
    socket.on('error', () => undefined);
    const closedAfter = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('close', () => reject(new Error('closed before connecting')));
    });
    return { socket, closedAfter, received: () => received };
  }

  it('has bounds by default: connections, header and request time, keep-alive', () => {
    expect(OPS_LIMITS).toEqual({ maxConnections: 64, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
  });

  it('a slowloris client (headers one line at a time, never finished) is cut off at the header timeout', async () => {
    const base = await serve(undefined, { headersTimeoutMs: 400, requestTimeoutMs: 800 });
    const c = await rawClient(base);
    c.socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One more header line every 100 ms: each byte resets nothing, the whole header has its deadline.
    const trickle = setInterval(() => c.socket.writable && c.socket.write(`X-Slow-${Date.now()}: 1\r\n`), 100);
    const after = await c.closedAfter.finally(() => clearInterval(trickle));
    expect(after).toBeGreaterThanOrEqual(350);
    expect(after).toBeLessThan(3_000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  }, 10_000);

  it('a body trickled after complete headers is cut off at the request timeout', async () => {
    const base = await serve(undefined, { headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const c = await rawClient(base);
    c.socket.write('POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n');
    const trickle = setInterval(() => c.socket.writable && c.socket.write('x'), 100);
    const after = await c.closedAfter.finally(() => clearInterval(trickle));
    expect(after).toBeLessThan(3_000);
  }, 10_000);

  it('at most maxConnections at once: one more is dropped, and the port serves again once they are cut', async () => {
    const base = await serve(undefined, { maxConnections: 2, headersTimeoutMs: 500, requestTimeoutMs: 500 });
    const held = [await rawClient(base), await rawClient(base)];
    for (const h of held) h.socket.write('GET /healthz HTTP/1.1\r\n');
    // Dropped by the server as it arrives (the client may still see its connect complete first),
    // while the two it holds are still open.
    const extra = await rawClient(base).catch(() => undefined);
    const extraClosed = extra ? await extra.closedAfter : 0;
    expect(extraClosed).toBeLessThan(400);
    expect(extra?.received() ?? '').toBe('');
    expect(held.map((h) => h.socket.destroyed)).toEqual([false, false]);
    for (const h of held) expect(await h.closedAfter).toBeLessThan(3_000);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 10_000);

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const base = await serve(undefined, { keepAliveTimeoutMs: 300 });
    const c = await rawClient(base);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const after = await c.closedAfter;
    expect(c.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(after).toBeLessThan(3_000);
  }, 10_000);

  it('listens on 127.0.0.1 by default: another interface of this machine is refused', async () => {
    const base = await serve();
    const port = new URL(base).port;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) {
      console.log('no non-loopback IPv4 interface on this machine: the bind address is checked by its value only');
    } else {
      await expect(fetch(`http://${external.address}:${port}/metrics`)).rejects.toThrow();
    }
  });

  it('bound to loopback, answers loopback names only: a rebound DNS name (a web page in a browser) gets 421', async () => {
    const base = await serve();
    const port = Number(new URL(base).port);
    const get = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    for (const path of ['/metrics', '/healthz', '/admin/queues/api/queues']) {
      expect(await get(path, `attacker.example:${port}`)).toBe(421);
      expect(await get(path, `127.0.0.1.attacker.example:${port}`)).toBe(421);
      expect(await get(path, `localhost:${port}`)).toBe(200);
      expect(await get(path, `[::1]:${port}`)).toBe(200);
    }
  });

  it('without CITI_SYNC_DASHBOARD_TOKEN the dashboard is read-only: adding, pausing, cleaning and retrying all refused', async () => {
    const base = await serve();
    const before = await queueState();
    expect((await fetch(`${base}/admin/queues`)).status).toBe(200);
    const listed = (await (await fetch(`${base}/admin/queues/api/queues`)).json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(listed.queues.map((q) => [q.name, q.readOnlyMode])).toEqual(expect.arrayContaining([['sync-connection', true]]));
    const attacks: Array<[string, string, unknown?]> = [
      ['POST', '/api/queues/sync-connection/add', { name: 'sync-connection', data: { connectionId: 'evil', trigger: 'manual' } }],
      ['PUT', '/api/queues/pause'],
      ['PUT', '/api/queues/sync-connection/pause'],
      ['PUT', '/api/queues/sync-connection/clean/waiting'],
      ['PUT', '/api/queues/sync-connection/clean/delayed'],
      ['PUT', '/api/queues/sync-connection/empty'],
      ['PUT', '/api/queues/sync-connection/obliterate'],
      ['PUT', '/api/queues/sync-connection/promote'],
      ['PUT', '/api/queues/sync-connection/j2/promote'],
      ['PUT', '/api/queues/sync-connection/j1/clean'],
      ['PATCH', '/api/queues/sync-connection/j1/update-data', { connectionId: 'evil' }],
    ];
    const statuses: number[] = [];
    for (const [method, path, body] of attacks) {
      const r = await fetch(`${base}/admin/queues${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      statuses.push(r.status);
    }
    expect(statuses).toEqual(attacks.map(() => 405));
    expect(await queueState()).toEqual(before);
    expect((await queues.connection.getJob('j1'))?.data).toEqual({ connectionId: 'c1', trigger: 'manual' });
  });

  it('with a token every dashboard request needs it (bearer or basic-auth password); /metrics and /healthz stay open', async () => {
    const base = await serve(TOKEN);
    const before = await queueState();
    const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
    const tries: Array<[string, Record<string, string>]> = [
      ['no credentials', {}],
      ['wrong bearer', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }],
      ['bearer with a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, 8)}` }],
      ['wrong basic password', { authorization: basic('admin', 'guess') }],
      ['token as the basic user name', { authorization: basic(TOKEN, '') }],
      ['empty bearer', { authorization: 'Bearer ' }],
    ];
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/favicon-32x32.png']) {
      for (const [name, headers] of tries) {
        const r = await fetch(`${base}${path}`, { headers });
        expect({ path, name, status: r.status }).toEqual({ path, name, status: 401 });
        expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      }
    }
    const refused = await fetch(`${base}/admin/queues/api/queues/pause`, { method: 'PUT' });
    expect(refused.status).toBe(401);
    expect(await queueState()).toEqual(before);

    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/admin/queues`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { authorization: basic('anyone', TOKEN) } })).status).toBe(200);
    // The operator may act: pausing works with the token, and is undone.
    const paused = await fetch(`${base}/admin/queues/api/queues/sync-connection/pause`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(paused.status).toBe(200);
    expect(await queues.connection.isPaused()).toBe(true);
    await queues.connection.resume();
  });

  it('worker --metrics-port 70000 and a short CITI_SYNC_DASHBOARD_TOKEN exit 2 naming them, before any worker starts', async () => {
    const env = { DATABASE_URL: t.url, REDIS_URL: testRedisUrl(), CITI_SYNC_ENCRYPTION_KEY: 'ab'.repeat(32), CITI_CLIENT_ID: 'id', CITI_CLIENT_SECRET: 's', CITI_API_BASE_URL: 'http://127.0.0.1:9/gcb/api', CITI_SYNC_QUEUE_PREFIX: prefix };
    const port = await runCli(['worker', '--metrics-port', '70000'], env, 60_000);
    expect(port.code).toBe(2);
    expect(lines(port.stderr).filter((l) => !l.startsWith('(run'))).toEqual([expect.stringMatching(/--metrics-port.*70000.*0-65535/)]);
    const token = await runCli(['worker', '--metrics-port', '0', '--dashboard'], { ...env, CITI_SYNC_DASHBOARD_TOKEN: 'short' }, 60_000);
    expect({ code: token.code, stderr: token.stderr.trim() }).toEqual({
      code: 2,
      stderr: 'citi-sync: invalid configuration: CITI_SYNC_DASHBOARD_TOKEN: must be at least 16 characters (e.g. openssl rand -hex 32)',
    });
    // A host nothing can listen on: one line naming the flags, and no job was taken.
    const before = await queueState();
    const host = await runCli(['worker', '--metrics-port', '0', '--metrics-host', '192.0.2.1'], env, 60_000);
    expect({ code: host.code, stderr: host.code === 2 ? '' : host.stderr }).toEqual({ code: 2, stderr: '' });
    expect(lines(host.stderr).filter((l) => l.startsWith('citi-sync:'))).toEqual(['citi-sync: --metrics-host/--metrics-port: cannot listen on 192.0.2.1:0 (EADDRNOTAVAIL)']);
    expect(await queueState()).toEqual(before);
  }, 240_000);
});
