import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  RateLimitedError,
  RetryAfterTooLongError,
  TokenBucketGate,
  cleanJson,
  cleanText,
  errorFromResponse,
  oneLine,
  type CitiLogger,
  type HttpResponse,
} from '../../../src/citi/index.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { assertSecureBaseUrl, loadConfig } from '../../../src/config/index.ts';
import { failure, fakeWire, res, SeqTokens, type Responder } from './fakeWire.ts';
import type { CitiClientOptions } from '../../../src/citi/client.ts';

/** Issue 10: every value that comes from upstream has a bound (items 3, 7, 10, 11). */

const page = { accountGroupSummary: [], nextStartIndex: '' };

function spyLogger() {
  const warns: Array<{ obj: object; msg?: string | undefined }> = [];
  const logger: CitiLogger = {
    debug: () => {},
    info: () => {},
    warn: (obj, msg) => warns.push({ obj, msg }),
    error: () => {},
    child: () => logger,
  };
  return { logger, warns };
}

// The fake wire answers Asia-Pacific v1 (`/v1/accounts`, paged envelopes): a client of that dialect.
const client = (script: Responder | HttpResponse[], over: Partial<CitiClientOptions> = {}) => fakeWire('SG', script, { now: () => Date.parse('2026-11-25T00:00:00Z'), ...over });

describe('Retry-After cap (item 3)', () => {
  it('ten years in seconds: the call fails at once, says what Citi asked, and pauses nothing', async () => {
    const { client: c, transport, gate, tokens } = client([res(429, { code: 'rateLimitExceeded' }, { 'retry-after': '315360000' }), res(200, page)]);
    const started = Date.now();
    const err = await failure(c.listAccounts(tokens));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(RetryAfterTooLongError);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as Error).message).toBe(
      'rate limited (429 rateLimitExceeded) on /v1/accounts: Citi asked to wait 315360000 s (3650 days) (Retry-After: "315360000"), longer than the 300 s allowed (CITI_MAX_RETRY_AFTER_S)',
    );
    expect(transport.requests).toHaveLength(1);
    expect(gate.pauses).toEqual([]);
  });

  it('an HTTP date ten years out: the same', async () => {
    const { client: c, gate, tokens } = client([res(429, {}, { 'retry-after': 'Wed, 25 Nov 2036 00:00:00 GMT' })]);
    const err = await failure(c.listAccounts(tokens));
    expect(err).toBeInstanceOf(RetryAfterTooLongError);
    expect((err as Error).message).toContain('Citi asked to wait 315619200 s (3653 days) (Retry-After: "Wed, 25 Nov 2036 00:00:00 GMT")');
    expect(gate.pauses).toEqual([]);
  });

  it('at the cap it is still obeyed (the gate pauses, the call retries)', async () => {
    const { client: c, transport, gate, tokens } = client([res(429, {}, { 'retry-after': '300' }), res(200, page)]);
    await c.listAccounts(tokens);
    expect(gate.pauses).toEqual([300_000]);
    expect(transport.requests).toHaveLength(2);
  });

  it('the mapping alone: no cap given, no refusal', () => {
    const e = errorFromResponse({ kind: 'resource', status: 429, path: '/x', headers: { 'retry-after': '999999' }, bodyText: '' });
    expect(e).toBeInstanceOf(RateLimitedError);
    expect(e).not.toBeInstanceOf(RetryAfterTooLongError);
  });

  it('"paused" warnings are rate-limited: 200 calls meeting 429s write one line', async () => {
    const { logger, warns } = spyLogger();
    const { client: c } = client((_req, n) => (n % 2 === 0 ? res(429, {}, { 'retry-after': '1' }) : res(200, page)), { logger });
    await Promise.all(Array.from({ length: 200 }, () => c.listAccounts(new SeqTokens())));
    const paused = warns.filter((w) => w.msg === 'Citi rate limit: all requests paused');
    expect(paused).toHaveLength(1);
  });

  it('the token bucket never pauses longer than its cap, whoever asks', async () => {
    let now = 0;
    const gate = new TokenBucketGate({ perSecond: 1000, burst: 2, maxPauseMs: 300_000, now: () => now });
    gate.pauseFor(315_360_000_000);
    now = 299_999;
    const early = await Promise.race([gate.acquire().then(() => 'granted'), new Promise((r) => setTimeout(() => r('waiting'), 20))]);
    expect(early).toBe('waiting');
    now = 300_001;
    // The queued waiter and this one: each granted once the capped pause is over.
    const late = await Promise.race([gate.acquire().then(() => 'granted'), new Promise((r) => setTimeout(() => r('waiting'), 20))]);
    expect(late).toBe('granted');
  });

  it('CITI_MAX_RETRY_AFTER_S: default 300, validated', () => {
    expect(loadConfig({ env: {}, dotenvPath: null }).CITI_MAX_RETRY_AFTER_S).toBe(300);
    expect(() => loadConfig({ env: { CITI_MAX_RETRY_AFTER_S: '0' }, dotenvPath: null })).toThrow(/CITI_MAX_RETRY_AFTER_S/);
    expect(() => loadConfig({ env: { CITI_MAX_RETRY_AFTER_S: 'ten' }, dotenvPath: null })).toThrow(/CITI_MAX_RETRY_AFTER_S/);
  });
});

describe('plain http only to literal loopback (item 7)', () => {
  const check = (url: string) => () => assertSecureBaseUrl(loadConfig({ env: { CITI_API_BASE_URL: url }, dotenvPath: null }));
  it.each([
    'http://127.evil.example/gcb/api',
    'http://127.0.0.1.nip.io/gcb/api',
    'http://localhost.evil.example/',
    'http://[::2]:8080/',
    'http://10.0.0.1/',
    'http://128.0.0.1/',
  ])('rejects %s, naming the key', (url) => {
    expect(check(url)).toThrow(ConfigError);
    expect(check(url)).toThrow('CITI_API_BASE_URL: must use https:// (plain http is allowed only for loopback addresses)');
  });
  it.each(['http://127.0.0.1:8080/gcb/api', 'http://127.255.0.9/', 'http://[::1]:9/', 'http://localhost:1/', 'http://LOCALHOST/', 'https://127.evil.example/'])(
    'accepts %s',
    (url) => {
      expect(check(url)).not.toThrow();
    },
  );
});

describe('control characters from upstream (item 10)', () => {
  const hostile = 'ok\u001b[2J\u001b[H\u001b]0;pwned\u0007 \u009b31m red\u0007\u0008\r\nnext\tcol\u007f\u0085';
  it('stored text keeps tab and newline, nothing else of terminal control', () => {
    expect(cleanText(hostile)).toBe('ok  red\nnext\tcol');
  });
  it('one-line text turns tab and newline into a space', () => {
    expect(oneLine(hostile)).toBe('ok  red next col');
  });
  it('an ANSI error body never reaches the message', async () => {
    const body = JSON.stringify({ type: 'error', code: 'bad\u001b[31mRequest', details: '\u001b[2J\u001b]2;owned\u0007cleared\u009b1;1H' });
    const e = errorFromResponse({ kind: 'resource', status: 403, path: '/v1/a\u001b[2J', headers: {}, bodyText: body });
    expect(e.message).toBe('account not available (403 badRequest) on /v1/a: cleared');
    // eslint-disable-next-line no-control-regex
    expect(e.message + e.code + e.path).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
  it('one sanitizer, and a __proto__ key stays data', () => {
    const out = cleanJson(JSON.parse('{"__proto__":{"polluted":"\\u001b[1m"},"a":"x\\u0000y"}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(out.a).toBe('xy');
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":""},"a":"xy"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A clean value is returned as it is (no copy: the common case costs one read-only walk); a
    // __proto__ key from JSON.parse is an own data property there too.
    const clean = JSON.parse('{"__proto__":{"x":1},"a":["b",{"c":"d"}]}') as Record<string, unknown>;
    expect(cleanJson(clean)).toBe(clean);
    const dirtyKey = JSON.parse('{"a":{"k\\u0007":"v"}}') as Record<string, unknown>;
    expect(cleanJson(dirtyKey)).toEqual({ a: { k: 'v' } });
    expect(cleanJson(JSON.parse('["\\ud800"]'))).toEqual(['\ufffd']);
  });
});

describe('request rate minimum and clamped timers (item 11)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  it('CITI_MAX_REQUESTS_PER_SECOND below 0.01 is refused at start-up, naming the key', () => {
    expect(() => loadConfig({ env: { CITI_MAX_REQUESTS_PER_SECOND: '1e-7' }, dotenvPath: null })).toThrow(/CITI_MAX_REQUESTS_PER_SECOND: Too small: expected number to be >=0.01/);
    expect(loadConfig({ env: { CITI_MAX_REQUESTS_PER_SECOND: '0.01' }, dotenvPath: null }).CITI_MAX_REQUESTS_PER_SECOND).toBe(0.01);
    expect(() => new TokenBucketGate({ perSecond: 1e-7 })).toThrow(RangeError);
  });
  it('the slowest rate sleeps in long steps: no busy loop, no TimeoutOverflowWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const gate = new TokenBucketGate({ perSecond: 0.01, burst: 1, maxPauseMs: 8_640_000_000 });
    const pumps = vi.spyOn(gate as unknown as { pump: () => void }, 'pump');
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      await gate.acquire();
      const ctl = new AbortController();
      const waiting = gate.acquire(ctl.signal).catch(() => 'aborted');
      // A 100-day pause (past 2^31 ms, where Node turns a timer into 1 ms) with the cap set that high.
      gate.pauseFor(8_640_000_000);
      await new Promise((r) => setTimeout(r, 300));
      ctl.abort(new Error('stop'));
      expect(await waiting).toBe('aborted');
      if (process.env.SHOW_FIGURES) console.log({ pumps: pumps.mock.calls.length, warnings });
      // Two acquires, pauseFor, abort: no timer-driven pumps in 300 ms.
      expect(pumps.mock.calls.length).toBeLessThanOrEqual(4);
      const gateDelays = timers.mock.calls.map((c) => c[1] as number).filter((d) => d !== 300 && d > 1000);
      for (const d of gateDelays) expect(d).toBeLessThanOrEqual(60_000);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
