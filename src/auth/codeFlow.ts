import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenSet } from '../citi/index.ts';

/** The user (or the bank) refused consent, or the redirect did not belong to this flow. */
export class ConsentError extends Error {
  override readonly name = 'ConsentError';
  constructor(
    message: string,
    readonly reason: 'access_denied' | 'timeout' | 'bad_redirect' | 'exchange_failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface CodeFlowOAuth {
  authorizeUrl(p: { redirectUri: string; state: string; codeChallenge?: string }): string;
  exchangeCode(p: { code: string; redirectUri: string; codeVerifier?: string }): Promise<TokenSet>;
}

export interface CodeFlowOptions {
  oauth: CodeFlowOAuth;
  /** Where Citi sends the browser back; must be a loopback http URL registered with Citi. */
  redirectUri: string;
  /**
   * Interface the listener binds; the redirect URI's host by default. In a container the browser's
   * loopback is the host's, reached through a published port: bind 0.0.0.0 there.
   */
  listenHost?: string;
  /** Shows the authorize URL to the person (print, open a browser) or, in the demo, follows it. */
  open: (authorizeUrl: string) => Promise<void> | void;
  timeoutMs?: number;
}

/** How long closing the listener waits for open connections before cutting them. */
const CLOSE_GRACE_MS = 1000;

/**
 * The OAuth authorization-code flow with `state` and PKCE: listen on the loopback redirect, send the
 * person to Citi's consent page, check the state that comes back, exchange the code. The code is
 * single-use and lives 120 s, so the exchange happens the moment it arrives.
 */
export async function runCodeFlow(opts: CodeFlowOptions): Promise<TokenSet> {
  const redirect = new URL(opts.redirectUri);
  const state = randomBytes(16).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  let server: Server | undefined;
  try {
    const received = new Promise<URLSearchParams>((resolve, reject) => {
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
        if (url.pathname !== redirect.pathname) {
          res.writeHead(404).end();
          return;
        }
        // Only the redirect of this flow (our state) ends it. Anything else reaching the port (a stray
        // tab, a stale redirect of an earlier run, a page that knows the port) is refused and the
        // flow keeps waiting, bounded by its deadline: it must not be able to abort a consent in
        // progress. No state at all is refused the same way.
        if (!sameState(url.searchParams.get('state'), state)) {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
          res.end('<!doctype html><title>citi-sync</title><p>This redirect does not belong to the connection in progress; it was ignored.</p>');
          return;
        }
        const ok = url.searchParams.has('code');
        res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          ok
            ? '<!doctype html><title>citi-sync</title><p>Connected. You can close this window and return to the terminal.</p>'
            : '<!doctype html><title>citi-sync</title><p>The connection was not completed. See the terminal for why.</p>',
        );
        resolve(url.searchParams);
      });
      server.on('error', reject);
      // URL keeps the brackets of an IPv6 literal (`[::1]`); listen wants the bare address.
      server.listen(Number(redirect.port || 80), opts.listenHost ?? redirect.hostname.replace(/^\[(.*)\]$/, '$1'));
    });
    // A listen failure rejects both this and the 'listening' wait below; it is reported there once.
    received.catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      server!.once('listening', resolve);
      server!.once('error', reject);
    });
    const port = (server!.address() as AddressInfo).port;
    if (redirect.port === '0' || !redirect.port) redirect.port = String(port);
    const redirectUri = redirect.toString();
    await opts.open(opts.oauth.authorizeUrl({ redirectUri, state, codeChallenge: challenge }));

    const timeoutMs = opts.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    const params = await Promise.race([
      received,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ConsentError(`no answer from the consent page within ${Math.round(timeoutMs / 1000)} s`, 'timeout')), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));

    const error = params.get('error');
    if (error) {
      throw new ConsentError(error === 'access_denied' ? 'consent was denied on the Citi page' : `Citi returned an error: ${error}`, 'access_denied');
    }
    const code = params.get('code');
    if (!code) throw new ConsentError('the redirect carried no authorization code', 'bad_redirect');
    try {
      return await opts.oauth.exchangeCode({ code, redirectUri, codeVerifier: verifier });
    } catch (err) {
      throw new ConsentError(
        'Citi refused the authorization code (it may have expired: codes live 120 s and work once); run the command again',
        'exchange_failed',
        { cause: err },
      );
    }
  } finally {
    // close() ends idle connections but waits for active ones: a client that keeps a request
    // half-sent would hold the command past its answer. The page just written gets a moment to
    // reach the browser, then whatever is left is cut.
    if (server) {
      const s = server;
      const cut = setTimeout(() => s.closeAllConnections(), CLOSE_GRACE_MS);
      await new Promise<void>((r) => s.close(() => r()));
      clearTimeout(cut);
    }
  }
}

/** Compared in constant time: the state is the secret that ties the redirect to this flow. */
function sameState(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
