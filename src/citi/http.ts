import type * as Undici from 'undici';
import { requireCommonJs } from '../commonJs.ts';
import { errorFromNetwork, type NetworkContext } from './errorMapping.ts';

/**
 * The wire: one keep-alive undici Pool for Citi's origin, with explicit timeouts and (in production)
 * a client certificate for two-way TLS. It returns status, headers and the whole body as text, and
 * turns every failure below HTTP into a typed error (errorMapping.ts). It knows nothing of retries,
 * tokens or JSON.
 */

export interface TlsOptions {
  /** PEM client certificate (chain) for two-way TLS. */
  cert?: string | Buffer | undefined;
  /** PEM private key of the client certificate. */
  key?: string | Buffer | undefined;
  /** PEM CA bundle that signs Citi's server certificate, when not a public CA. */
  ca?: string | Buffer | undefined;
}

export interface Timeouts {
  /** TCP + TLS handshake. @defaultValue 10000 */
  connectMs: number;
  /** From sending the request to receiving the response headers. @defaultValue 30000 */
  headersMs: number;
  /** Longest silence while the body streams in. @defaultValue 30000 */
  bodyMs: number;
  /**
   * The whole request, from sending it to the body's last byte. The other timeouts bound silences: a
   * server trickling one byte a second never trips them, this does. @defaultValue 120000
   */
  deadlineMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000, deadlineMs: 120_000 };

/** The largest response body read, in bytes; a longer one fails the call as transient. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * undici is the largest library `sync` loads (~0.13 s of CPU): it is required (see src/commonJs.ts)
 * when the first request is sent, so a command spends its start on its own work (opening the
 * database, checking the locks) and one that never reaches Citi never pays for it.
 */
const undici = (): typeof Undici => requireCommonJs('undici') as typeof Undici;

/** errorMapping.ts codes of the two bounds this transport adds to undici's. */
export const DEADLINE_CODE = 'CITI_REQUEST_DEADLINE';
export const BODY_TOO_LARGE_CODE = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path relative to the base URL, with query (e.g. `/v1/accounts?nextStartIndex=50`). */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpTransportOptions {
  baseUrl: string;
  tls?: TlsOptions | undefined;
  timeouts?: Partial<Timeouts> | undefined;
  /** Sockets kept to Citi at most. @defaultValue 32 */
  connections?: number | undefined;
  /** @defaultValue DEFAULT_MAX_BODY_BYTES (16 MiB) */
  maxBodyBytes?: number | undefined;
}

/** What the executor needs from the wire (tests pass a fake). */
export interface Transport {
  send(req: HttpRequest): Promise<HttpResponse>;
}

export class HttpTransport implements Transport {
  private pool: Undici.Pool | undefined;
  private readonly poolOptions: Undici.Pool.Options;
  private readonly origin: string;
  /** The base URL's path (e.g. `/gcb/api`), prefixed to every request path. */
  private readonly basePath: string;
  private readonly network: NetworkContext;
  private closed = false;
  private readonly deadlineMs: number;

  constructor(opts: HttpTransportOptions) {
    const base = new URL(opts.baseUrl);
    this.basePath = base.pathname.replace(/\/+$/, '');
    const t = { ...DEFAULT_TIMEOUTS, ...definedOnly(opts.timeouts ?? {}) };
    const tls = opts.tls ?? {};
    this.deadlineMs = t.deadlineMs;
    this.network = { httpsWithoutClientCert: base.protocol === 'https:' && tls.cert === undefined };
    this.origin = base.origin;
    this.poolOptions = {
      connections: opts.connections ?? 32,
      // undici counts the bytes as they arrive and aborts past the cap: the body is never held whole.
      maxResponseSize: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      headersTimeout: t.headersMs,
      bodyTimeout: t.bodyMs,
      connect: {
        timeout: t.connectMs,
        ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
        ...(tls.key !== undefined ? { key: tls.key } : {}),
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      },
    };
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    if (this.closed) throw new Error(`the HTTP transport to ${this.origin} is closed`);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DeadlineExceeded(this.deadlineMs)), this.deadlineMs);
    // The caller's abort is passed on to the one controller by hand: AbortSignal.any, once per
    // request, cost a visible share of a backfill's CPU (it keeps weak references for the GC to trace).
    const callerAborted = () => deadline.abort(req.signal?.reason);
    if (req.signal?.aborted) callerAborted();
    else req.signal?.addEventListener('abort', callerAborted, { once: true });
    const signal = deadline.signal;
    let responded = false;
    try {
      this.pool ??= new (undici().Pool)(this.origin, this.poolOptions);
      const res = await this.pool.request({
        method: req.method,
        path: this.basePath + req.path,
        headers: req.headers,
        body: req.body ?? null,
        signal,
      });
      responded = true;
      // The whole body is read here so a connection dropped mid-body surfaces as this call's error.
      const body = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body };
    } catch (err) {
      // A caller's abort is not a Citi failure: rethrow it untouched so it is never retried.
      if (req.signal?.aborted) throw req.signal.reason ?? err;
      if (deadline.signal.aborted) throw errorFromNetwork(deadline.signal.reason, req.path);
      throw errorFromNetwork(err, req.path, responded ? {} : this.network);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', callerAborted);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool?.close();
  }
}

/** The whole-request deadline passed (mapped to a transient, ambiguous RetryLaterError). */
class DeadlineExceeded extends Error {
  readonly code = DEADLINE_CODE;
  constructor(ms: number) {
    super(`no complete response within ${ms} ms`);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
