import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Queue } from 'bullmq';
import type { Logger } from '../log/logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import { isLoopbackHost, isLoopbackHostHeader } from '../config/load.ts';
import { messageOf } from '../log/errorText.ts';

export interface OpsServerOptions {
  port: number;
  /**
   * Where to listen. Loopback by default: the dashboard can act on every queue, so reaching it from
   * another host must be a decision (`--metrics-host 0.0.0.0` for a scraper in another container).
   * @defaultValue '127.0.0.1'
   */
  host?: string;
  metrics: WorkerMetrics;
  /** Each must answer for /healthz to say 200. */
  checks: Record<string, () => Promise<unknown>>;
  /**
   * Mounts bull-board at /admin/queues. Without a token it is read-only (no job can be added,
   * retried, cleaned, paused or removed); with one, every dashboard request must present it, as a
   * bearer token or as the password of HTTP basic auth (any user name), and may act on the queues.
   */
  dashboard?: { queues: Queue[]; token?: string | undefined };
  logger: Logger;
  /** Bounds on what a client of the port may hold; tests shorten them. @defaultValue OPS_LIMITS */
  limits?: Partial<OpsLimits>;
}

/**
 * What one client may take from the port. Node's own defaults let a client hold a connection for
 * 60 s per header trickle (checked only every 30 s) and 5 minutes per request, with no cap on
 * connections: a few hundred slow sockets from anyone who can reach the port exhaust the worker's
 * file descriptors. A Prometheus scrape, a health probe or a dashboard page needs none of that.
 */
export interface OpsLimits {
  /** Open connections at once; further ones are dropped as they arrive. */
  maxConnections: number;
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body). */
  requestTimeoutMs: number;
  /** Time an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
}

export const OPS_LIMITS: Readonly<OpsLimits> = Object.freeze({
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
});

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export const DASHBOARD_PATH = '/admin/queues';
export const DEFAULT_OPS_HOST = '127.0.0.1';
const CHECK_TIMEOUT_MS = 2000;

/** /metrics (Prometheus), /healthz (200 when Redis and Postgres answer) and, optionally, bull-board. */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const token = opts.dashboard?.token;
  const dashboard = opts.dashboard ? await dashboardHandler(opts.dashboard.queues, { readOnly: !token }) : undefined;
  const limits = { ...OPS_LIMITS, ...opts.limits };
  // Node checks the two timeouts on this interval (30 s by default), so it bounds how late they bite.
  const checkEveryMs = Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
  const server = createServer({ connectionsCheckingInterval: checkEveryMs }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.warn({ err: { message: messageOf(err) }, url: req.url }, 'ops request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  // A request's time includes its headers: below headersTimeout, requestTimeout would cut first.
  server.requestTimeout = Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Bound to loopback, only loopback names may be asked for: a web page whose name was re-pointed at
  // 127.0.0.1 (DNS rebinding) reached /metrics, /healthz and the dashboard's jobs from the browser.
  const loopbackOnly = isLoopbackHost(opts.host ?? DEFAULT_OPS_HOST);
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (loopbackOnly && !isLoopbackHostHeader(req.headers.host)) {
      res.writeHead(421, { 'content-type': 'text/plain' });
      res.end('this port serves loopback names only (127.0.0.1, localhost, [::1])\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      const body = await opts.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
      res.end(body);
      return;
    }
    if (path === '/healthz') {
      const results = await Promise.all(
        Object.entries(opts.checks).map(async ([name, check]) => {
          try {
            await withTimeout(check(), CHECK_TIMEOUT_MS);
            return [name, 'ok'] as const;
          } catch (err) {
            return [name, messageOf(err)] as const;
          }
        }),
      );
      const ok = results.every(([, r]) => r === 'ok');
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok, checks: Object.fromEntries(results) }) + '\n');
      return;
    }
    if (dashboard && (path === DASHBOARD_PATH || path?.startsWith(`${DASHBOARD_PATH}/`))) {
      if (token && !presentsToken(req, token)) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="citi-sync dashboard", charset="UTF-8"' });
        res.end('the dashboard needs CITI_SYNC_DASHBOARD_TOKEN: as a bearer token, or as the basic-auth password\n');
        return;
      }
      // bull-board's read-only mode guards each of its handlers; this guards the ones a future
      // version might add without it. Reading never needs another method.
      if (!token && req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' });
        res.end('the dashboard is read-only: set CITI_SYNC_DASHBOARD_TOKEN to act on the queues\n');
        return;
      }
      dashboard(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /healthz' + (dashboard ? `, ${DASHBOARD_PATH}` : '') + '\n');
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? DEFAULT_OPS_HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = typeof address === 'object' && address ? address.address : opts.host;
  opts.logger.info({ host, port, dashboard: dashboard ? (token ? 'token' : 'read-only') : false }, 'metrics server listening');
  return { port, close: () => closeServer(server) };
}

/**
 * True when the request carries the token as `Authorization: Bearer <token>` or as the password of
 * `Authorization: Basic …`. Both sides are hashed first so the comparison takes the same time
 * whatever the length or content of a guess.
 */
export function presentsToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const [scheme, value = ''] = header.split(/\s+/, 2);
  let presented: string | undefined;
  if (/^bearer$/i.test(scheme ?? '')) presented = value;
  else if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    presented = colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  if (presented === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/** bull-board on express, loaded only when asked for (it is a large dependency tree). */
async function dashboardHandler(queues: Queue[], o: { readOnly: boolean }): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }, { default: express }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
    import('express'),
  ]);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: o.readOnly })), serverAdapter: adapter });
  const app = express();
  app.use(DASHBOARD_PATH, adapter.getRouter());
  return (req, res) => app(req, res);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
