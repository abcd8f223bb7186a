/**
 * The fake wire of the client's unit tests: a scripted transport, a gate that never waits, tokens
 * that count, and `fakeWire` to put a client of one market on them.
 */
import { CitiClient, type CitiClientOptions } from '../../../src/citi/client.ts';
import type { AccessTokenProvider, HttpRequest, HttpResponse, RequestEvent, RequestGate, Transport } from '../../../src/citi/index.ts';
export { collect, failure } from '../../helpers/async.ts';

export type Responder = (req: HttpRequest, n: number) => HttpResponse | Error | Promise<HttpResponse | Error>;

/** A scripted wire: answers each request from a list (last entry repeats) or a function. */
export class FakeTransport implements Transport {
  readonly requests: HttpRequest[] = [];
  constructor(private readonly script: Responder | Array<HttpResponse | Error>) {}
  async send(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    const n = this.requests.length - 1;
    const r = typeof this.script === 'function' ? await this.script(req, n) : this.script[Math.min(n, this.script.length - 1)];
    if (!r) throw new Error('script exhausted');
    if (r instanceof Error) throw r;
    return r;
  }
}

export const res = (status: number, body: unknown = {}, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** A gate that never waits but records what it was told. */
export class RecordingGate implements RequestGate {
  acquired = 0;
  pauses: number[] = [];
  async acquire(): Promise<void> {
    this.acquired++;
  }
  pauseFor(ms: number): void {
    this.pauses.push(ms);
  }
}

/** Tokens `t0`, `t1`, …: each refresh hands out the next. */
export class SeqTokens implements AccessTokenProvider {
  n = 0;
  refreshed: string[] = [];
  async accessToken(): Promise<string> {
    return `t${this.n}`;
  }
  async refreshAfterUnauthorized(rejected: string): Promise<string> {
    this.refreshed.push(rejected);
    this.n++;
    return `t${this.n}`;
  }
}

/**
 * A client of `country`'s dialect on a scripted wire: no gate waits, 1–2 ms backoffs, every request
 * and every attempt's event recorded. `over` changes any client option (a logger, a clock, limits).
 */
export function fakeWire(country: string, script: Responder | Array<HttpResponse | Error>, over: Partial<CitiClientOptions> = {}) {
  const transport = new FakeTransport(script);
  const gate = new RecordingGate();
  const events: RequestEvent[] = [];
  const client = new CitiClient({
    baseUrl: 'https://citi.invalid/gcb/api',
    clientId: 'cid',
    clientSecret: 'csecret',
    gate,
    transport,
    country,
    retryBaseMs: 1,
    retryMaxMs: 2,
    onRequest: (e) => events.push(e),
    ...over,
  });
  return { client, transport, gate, events, tokens: new SeqTokens() };
}

