import type { AccessTokenProvider, HttpRequest, HttpResponse, RequestGate, Transport } from '../../../src/citi/index.ts';

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
