/**
 * A hostile upstream in front of the simulator (issue 10): forwards every request and, on resource
 * calls (GET /v1/… or /v2/…, either dialect), does what a broken or malicious Citi would. Modes
 * switch at any time; 'off' passes everything through untouched.
 *
 * - cursorLoop: transaction pages answer `nextStartIndex` "hostile-A", "hostile-B", "hostile-A", …;
 *   a request carrying a hostile cursor is forwarded as the window's first page (so it is served).
 * - retryAfter: every resource call answers 429 with `Retry-After: <retryAfter>`.
 * - ansi: transaction calls answer 403 with terminal escapes in the error body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { CitiClient, TokenBucketGate, type CitiClientOptions } from '../../../src/citi/index.ts';

export type HostileMode = 'off' | 'cursorLoop' | 'retryAfter' | 'ansi';

export const ANSI_DETAILS = '\u001b[2J\u001b[H\u001b]0;pwned\u0007\u009b31mscreen cleared\u001b[0m';

export interface HostileProxy {
  /** The base URL to give the client (the simulator's, with this proxy's origin). */
  url: string;
  mode: HostileMode;
  /** The header value for 'retryAfter'. */
  retryAfter: string;
  /** Resource requests seen, per mode. */
  seen: Record<HostileMode, number>;
  close(): Promise<void>;
}

export async function startHostileProxy(upstreamUrl: string): Promise<HostileProxy> {
  const upstream = new URL(upstreamUrl);
  const state: HostileProxy = {
    url: '',
    mode: 'off',
    retryAfter: '315360000',
    seen: { off: 0, cursorLoop: 0, retryAfter: 0, ansi: 0 },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', upstream.origin);
    const resource = req.method === 'GET' && /\/v[12]\//.test(url.pathname);
    const transactions = resource && url.pathname.endsWith('/transactions');
    const mode = resource ? state.mode : 'off';
    if (resource) state.seen[mode]++;
    if (mode === 'retryAfter') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': state.retryAfter });
      res.end(JSON.stringify({ type: 'error', code: 'rateLimitExceeded', details: 'slow down' }));
      return;
    }
    if (mode === 'ansi' && transactions) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', code: 'accessDenied', details: ANSI_DETAILS }));
      return;
    }
    const looping = mode === 'cursorLoop' && transactions;
    const cursor = url.searchParams.get('nextStartIndex');
    if (looping && cursor?.startsWith('hostile-')) url.searchParams.delete('nextStartIndex');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const up = await request(url, {
      method: (req.method ?? 'GET') as 'GET',
      headers: headers as Record<string, string>,
      body: chunks.length ? Buffer.concat(chunks) : null,
    });
    let body = Buffer.from(await up.body.arrayBuffer());
    if (looping && up.statusCode === 200) {
      const json = JSON.parse(body.toString('utf8')) as { nextStartIndex?: unknown };
      json.nextStartIndex = cursor === 'hostile-A' ? 'hostile-B' : 'hostile-A';
      body = Buffer.from(JSON.stringify(json));
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(up.headers)) {
      if (typeof v === 'string' && !['content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)) out[k] = v;
    }
    res.writeHead(up.statusCode, { ...out, 'content-length': String(body.length) });
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}${upstream.pathname}`;
  return state;
}

/**
 * A client of the in-process world's simulator that goes through `proxy` instead, speaking SG (the
 * dialect that pages, so cursors exist to loop or reject), with short retries for fault scenarios.
 */
export function clientThroughProxy(
  proxy: HostileProxy,
  sandbox: { clientId: string; clientSecret: string },
  extra: Partial<CitiClientOptions> = {},
): CitiClient {
  return new CitiClient({
    baseUrl: proxy.url,
    country: 'SG',
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    gate: new TokenBucketGate({ perSecond: 500, burst: 50 }),
    retryBaseMs: 20,
    retryMaxMs: 400,
    ...extra,
  });
}
