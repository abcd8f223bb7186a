import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Queue } from 'bullmq';
import type { Logger } from '../log/logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import { messageOf } from '../log/errorText.ts';

export interface OpsServerOptions {
  port: number;
  /** @defaultValue '0.0.0.0' (scraped from other containers) */
  host?: string;
  metrics: WorkerMetrics;
  /** Each must answer for /healthz to say 200. */
  checks: Record<string, () => Promise<unknown>>;
  /** Mounts bull-board at /admin/queues. */
  dashboard?: { queues: Queue[] };
  logger: Logger;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export const DASHBOARD_PATH = '/admin/queues';
const CHECK_TIMEOUT_MS = 2000;

/** /metrics (Prometheus), /healthz (200 when Redis and Postgres answer) and, optionally, bull-board. */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const dashboard = opts.dashboard ? await dashboardHandler(opts.dashboard.queues) : undefined;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.warn({ err: { message: messageOf(err) }, url: req.url }, 'ops request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
      dashboard(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /healthz' + (dashboard ? `, ${DASHBOARD_PATH}` : '') + '\n');
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  opts.logger.info({ port, dashboard: Boolean(dashboard) }, 'metrics server listening');
  return { port, close: () => closeServer(server) };
}

/** bull-board on express, loaded only when asked for (it is a large dependency tree). */
async function dashboardHandler(queues: Queue[]): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }, { default: express }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
    import('express'),
  ]);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
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
