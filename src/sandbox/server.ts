/**
 * startSandbox: wires the world, OAuth, faults, rate limit and stats behind one node:http server.
 *
 * Resource request pipeline, in order (each step can answer early):
 *   1. route + stats        4. fault plan (reset / 5xx / 429 / 401)
 *   2. required headers     5. bearer token -> grant
 *   3. rate limit           6. the route, then latency/slow delay, then maybe a truncated body
 * Decisions are taken when the request ARRIVES; the delay only postpones sending.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ADMIN_PREFIX, handleAdmin } from './admin.ts';
import { authorizeDecision, authorizeGet, DECISION_PATH, type AuthorizeDeps } from './authorize.ts';
import { isoDay, parseDay } from './dates.ts';
import { FaultInjector, type FaultPlan } from './faults.ts';
import { badRequest, citiError, gatewayNotFound, headerValue, inErrorList, json, readBody, type Reply } from './http.ts';
import { dayIn, marketOf } from './market.ts';
import { OAuthState } from './oauth.ts';
import { RateLimiter } from './rateLimit.ts';
import { Rng, deriveSeed } from './rng.ts';
import { matchResource, type ResourceRoute } from './routes.ts';
import { StatsRecorder } from './stats.ts';
import { tokenEndpoint, type TokenEndpoint } from './tokenRoutes.ts';
import { truthOf } from './truth.ts';
import type { Sandbox, SandboxOptions } from './types.ts';
import { World } from './world.ts';
import { isLoopbackHost, isLoopbackHostHeader } from '../config/load.ts';
import { messageOf } from '../log/errorText.ts';

export const BASE_PATH = '/gcb/api';
const REQUIRED_SCOPE = 'accounts_details_transactions';

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const seed = opts.seed ?? 42;
  const host = opts.host ?? '127.0.0.1';
  const market = marketOf(opts.country ?? 'US');
  // Only the market's own token path exists (contract §1: the country, lower case, is in the path).
  const TOKEN_ROUTES: Record<string, TokenEndpoint> = {
    [market.tokenPath]: 'token',
    '/authCode/oauth2/refresh': 'refresh',
    '/authCode/oauth2/revoke': 'revoke',
  };
  // The world's date is the bank's current date, which is the date in the market's time zone.
  const startDay = opts.today === undefined ? dayIn(market.timeZone, Date.now()) : parseDay(opts.today);
  if (startDay === undefined) throw new TypeError(`SandboxOptions.today must be YYYY-MM-DD, got ${JSON.stringify(opts.today)}`);
  const pageSize = opts.pageSize ?? 50;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError('SandboxOptions.pageSize must be a whole number >= 1');
  const idRng = new Rng(deriveSeed(seed, 7));
  const clientId = opts.clientId ?? `sandbox-${idRng.chars('0123456789abcdef', 16)}`;
  const clientSecret = opts.clientSecret ?? `secret-${idRng.chars('0123456789abcdefghijklmnopqrstuvwxyz', 32)}`;

  const world = new World(seed, startDay, opts.profile ?? { users: 3, accountsPerUser: 'mixed' }, market);
  const stats = new StatsRecorder();
  const oauth = new OAuthState(clientId, clientSecret, opts.accessTokenTtlSeconds ?? 1800, () => world.today, stats);
  const faults = new FaultInjector(seed, opts.faults);
  const limiter = new RateLimiter(opts.rateLimit === undefined ? { perSecond: 10, burst: 20 } : opts.rateLimit, opts.retryAfterSeconds ?? 1, opts.retryAfterGraceMs);
  const authorizeDeps: AuthorizeDeps = { oauth, users: world.users, autoConsent: opts.autoConsent ?? false, basePath: BASE_PATH };
  const logger = opts.logger;
  const timers = new Set<NodeJS.Timeout>();
  // The expireToken fault: an access token expires early, while in use. A token's first use never
  // meets it (Citi's tokens are not born expired, and a client that refreshed must be able to use
  // the new one), and once expired a token stays expired.
  const usedTokens = new Set<string>();
  const expiredEarly = new Set<string>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });

  function send(res: ServerResponse, reply: Reply, truncate = false): void {
    if (res.destroyed || closed) return;
    const body = Buffer.from(reply.body, 'utf8');
    const headers: Record<string, string | number> = { ...reply.headers, 'Content-Length': body.length };
    if (reply.contentType) headers['Content-Type'] = reply.contentType;
    res.writeHead(reply.status, headers);
    if (truncate && body.length > 1) {
      // The promised Content-Length never arrives: the client must detect a short body.
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  }

  function resetSocket(res: ServerResponse): void {
    res.socket?.resetAndDestroy?.();
    res.socket?.destroy();
  }

  /** US v2 wraps error objects in `{"errors":[…]}`; Asia-Pacific sends them flat (contract §2). */
  const asMarket = (reply: Reply): Reply => (market.dialect === 'us-v2' ? inErrorList(reply) : reply);

  async function handleResource(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, params: URLSearchParams): Promise<number | 'reset'> {
    const arrival = Date.now();
    const auth = headerValue(req, 'authorization');
    const clientHeader = headerValue(req, 'client_id');
    const uuid = headerValue(req, 'uuid');
    const accept = headerValue(req, 'accept');
    if (uuid) stats.uuid(uuid);
    const missing = [
      !auth?.startsWith('Bearer ') && 'Authorization: Bearer',
      !clientHeader && 'client_id',
      !uuid && 'uuid',
      !accept?.includes('application/json') && 'Accept: application/json',
    ].filter((m): m is string => typeof m === 'string');
    const plan: FaultPlan = faults.planResource();
    const reply = ((): Reply | 'reset' => {
      if (missing.length > 0) {
        if (!uuid) stats.current.missingUuid++;
        stats.current.missingHeaders++;
        return badRequest(`missing or invalid header: ${missing.join(', ')}`, 'header');
      }
      if (clientHeader !== clientId) return citiError(401, 'unAuthorized', 'unknown client_id', 'client_id');
      const verdict = limiter.check(clientHeader, arrival, plan.delayMs);
      if (!verdict.ok) {
        if (verdict.ignoredRetryAfter) stats.current.requestsDuringRetryAfter++;
        return { ...citiError(429, 'rateLimitExceeded', 'too many requests for this client_id'), headers: { 'Retry-After': String(verdict.retryAfterSeconds) } };
      }
      if (plan.kind === 'reset') return 'reset';
      if (plan.kind === '5xx') return citiError(plan.status5xx, 'serverUnavailable', 'the service is temporarily unavailable');
      if (plan.kind === '429') {
        limiter.open(clientHeader, arrival + plan.delayMs);
        return { ...citiError(429, 'rateLimitExceeded', 'too many requests for this client_id'), headers: { 'Retry-After': String(limiter.retryAfter) } };
      }
      const token = auth!.slice(7).trim();
      const who = oauth.authenticate(token);
      if ('reason' in who) return citiError(401, 'unAuthorized', who.reason, 'Authorization');
      if (expiredEarly.has(token) || (plan.kind === 'expireToken' && usedTokens.has(token))) {
        expiredEarly.add(token);
        return citiError(401, 'unAuthorized', 'access token expired', 'Authorization');
      }
      usedTokens.add(token);
      if (!who.grant.scope.split(' ').includes(REQUIRED_SCOPE)) return citiError(403, 'accessNotConfigured', `the grant lacks scope ${REQUIRED_SCOPE}`);
      return route.run({ world, market, grant: who.grant, params, pageSize, stats, mutateDuringPagination: faults.faults.mutateDuringPagination });
    })();
    await sleep(plan.delayMs);
    if (reply === 'reset') {
      resetSocket(res);
      return 'reset';
    }
    send(res, asMarket(reply), plan.truncate && reply.status === 200);
    return reply.status;
  }

  async function handleOAuth(req: IncomingMessage, res: ServerResponse, rel: string, params: URLSearchParams): Promise<{ route: string; status: number } | undefined> {
    const method = req.method ?? 'GET';
    let reply: Reply;
    let route: string;
    if (method === 'GET' && rel === '/authCode/oauth2/authorize') {
      route = 'GET /authCode/oauth2/authorize';
      stats.request(route);
      reply = authorizeGet(params, authorizeDeps);
    } else if (method === 'POST' && rel === DECISION_PATH) {
      route = `POST ${DECISION_PATH}`;
      stats.request(route);
      reply = authorizeDecision(new URLSearchParams(await readBody(req)), authorizeDeps);
    } else if (method === 'POST' && TOKEN_ROUTES[rel]) {
      route = `POST ${rel}`;
      stats.request(route);
      stats.current.tokenRequests++;
      const endpoint = TOKEN_ROUTES[rel];
      if (endpoint === 'refresh') stats.current.refreshes++;
      const body = await readBody(req);
      reply = await tokenEndpoint(endpoint, req, body, oauth);
      await sleep(faults.tokenDelay());
    } else {
      return undefined;
    }
    send(res, reply);
    return { route, status: reply.status };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    // Bound to loopback, only loopback names are served: through DNS rebinding a web page could read
    // /__sandbox/info (the client secret, which CITI_CLIENT_SECRET may set) and mint tokens.
    if (loopbackOnly && !isLoopbackHostHeader(req.headers.host)) {
      send(res, json(421, { error: 'this sandbox serves loopback names only (127.0.0.1, localhost, [::1])' }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    if (path.startsWith(ADMIN_PREFIX)) {
      send(res, await handleAdmin(sandbox, req.method ?? 'GET', path, url.searchParams, await readBody(req)));
      return;
    }
    const rel = path.startsWith(`${BASE_PATH}/`) ? path.slice(BASE_PATH.length) : undefined;
    let route = 'unknown';
    let status: number | 'reset' = 404;
    const oauthDone = rel === undefined ? undefined : await handleOAuth(req, res, rel, url.searchParams);
    if (oauthDone) {
      ({ route, status } = oauthDone);
    } else {
      const resource = rel !== undefined && req.method === 'GET' ? matchResource(rel, market) : undefined;
      if (resource) {
        route = resource.name;
        stats.request(route);
        status = await handleResource(req, res, resource, url.searchParams);
      } else {
        stats.request(route);
        // US: the API gateway answers paths no API serves (statements among them) with its own body.
        send(res, market.dialect === 'us-v2' ? gatewayNotFound() : citiError(404, 'resourceNotFound', `no route ${req.method ?? ''} ${path}`));
      }
    }
    stats.status(status);
    // Route names only: query strings can hold codes and bodies hold tokens (STYLE: never log a token).
    logger?.info({ method: req.method, route, status, ms: Date.now() - started }, 'sandbox request');
  }

  const loopbackOnly = isLoopbackHost(host);
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger?.info({ err: messageOf(err) }, 'sandbox handler failed');
      if (!res.headersSent && !res.destroyed) send(res, citiError(500, 'serverUnavailable', 'internal sandbox error'));
      else res.destroy();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${hostInUrl}:${port}`;

  const requireAccount = (accountId: string) => {
    const acct = world.account(accountId);
    if (!acct) throw new RangeError(`unknown account ${accountId}`);
    return acct;
  };

  const sandbox: Sandbox = {
    url: `${origin}${BASE_PATH}`,
    port,
    clientId,
    clientSecret,
    clientSecretSupplied: opts.clientSecret !== undefined,
    country: market.country,
    users: world.users,
    today: () => isoDay(world.today),
    advance: (days) => world.advance(days),
    issueTokens: async (userId) => {
      if (!world.hasUser(userId)) throw new RangeError(`unknown user ${userId}`);
      return oauth.newGrant(userId).tokens;
    },
    authorizeUrl: ({ redirectUri, state, scope, codeChallenge }) => {
      const u = new URL(`${origin}${BASE_PATH}/authCode/oauth2/authorize`);
      const q = u.searchParams;
      q.set('response_type', 'code');
      q.set('client_id', clientId);
      q.set('scope', scope ?? 'accounts_details_transactions customers_profiles');
      q.set('countryCode', market.country);
      q.set('businessCode', 'GCB');
      q.set('locale', 'en_US');
      q.set('state', state);
      q.set('redirect_uri', redirectUri);
      if (codeChallenge) {
        q.set('code_challenge', codeChallenge);
        q.set('code_challenge_method', 'S256');
      }
      return u.toString();
    },
    setFaults: (f) => faults.set(f),
    clearFaults: () => faults.clear(),
    setAccountShape: (accountId, shape) => {
      requireAccount(accountId).shape = shape;
    },
    setAccountResponse: (accountId, resp) => {
      requireAccount(accountId).override = resp
        ? { status: resp.status, body: resp.body, contentType: resp.contentType ?? 'application/json', times: resp.times ?? Number.POSITIVE_INFINITY }
        : null;
    },
    expireAccessTokens: () => oauth.expireAccessTokens(),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    issuedSecrets: () => oauth.issuedSecrets(),
    truth: (userId) => ({
      accounts: (userId === undefined ? world.accounts : world.accountsOf(userId)).map((a) => truthOf(a, world.today, market)),
      insurancePolicies: (userId === undefined ? world.users.map((u) => u.userId) : [userId]).flatMap((u) => world.insuranceOf(u)),
    }),
    // Idempotent: the CLI and its caller may both close on SIGTERM; both wait for the same shutdown.
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
  return sandbox;
}
