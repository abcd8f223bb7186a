import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { accountsPath, errorCode, get, pageAll, refresh, rowsOf, transactionsPath, TODAY } from './client.ts';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

/** Every fault and the rate limit work the same in both dialects; only the error body's shape differs. */
const errorObject = (body: Record<string, unknown>): unknown => (body.errors as unknown[] | undefined)?.[0] ?? body;

describe.each(['US', 'SG'])('%s dialect', (country) => {
async function setup(opts: Parameters<typeof startSandbox>[0] = {}): Promise<{ s: Sandbox; token: string; acct: string; q: string }> {
  sb = await startSandbox({ country, today: TODAY, rateLimit: false, ...opts });
  const token = (await sb.issueTokens('user-1')).access_token;
  const acct = sb.users[0]!.accountIds[0]!;
  return { s: sb, token, acct, q: `${transactionsPath(sb, acct)}?transactionFromDate=2026-06-01&transactionToDate=${TODAY}` };
}

describe('rate limit', () => {
  it('429s over the bucket with Retry-After, and counts requests that ignore it (after a 100 ms grace)', async () => {
    // A slow refill, so the burst cannot earn a token back while it is still arriving (one token a
    // second: a loaded machine can take half a second to hand the server 25 requests).
    const { s, token } = await setup({ rateLimit: { perSecond: 1, burst: 20 }, retryAfterSeconds: 1 });
    // The cheapest call there is (an account that does not exist: 404 after the limiter), so the
    // burst reaches the server together even on a loaded machine.
    const cheap = `${transactionsPath(s, 'no-such-account')}?transactionFromDate=${TODAY}&transactionToDate=${TODAY}`;
    const burst = await Promise.all(Array.from({ length: 25 }, () => get(s, cheap, token)));
    const limited = burst.filter((r) => r.status === 429);
    expect(burst.filter((r) => r.status === 404)).toHaveLength(20);
    expect(limited).toHaveLength(5);
    expect(limited[0]!.headers['retry-after']).toBe('1');
    expect(errorObject(limited[0]!.json)).toMatchObject({ type: 'error', code: 'rateLimitExceeded' });
    // The burst arrived together: in flight, not misbehaviour.
    expect(s.stats().requestsDuringRetryAfter).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 3; i++) expect((await get(s, cheap, token)).status).toBe(429);
    expect(s.stats()).toMatchObject({ requestsDuringRetryAfter: 3, served429: 8 });
    await new Promise((r) => setTimeout(r, 800));
    expect((await get(s, accountsPath(s), token)).status).toBe(200);
    expect(s.stats().requestsDuringRetryAfter).toBe(3);
  });

  it('a client pacing itself under the rate never sees a 429', async () => {
    const { s, token } = await setup({ rateLimit: { perSecond: 50, burst: 5 } });
    for (let i = 0; i < 30; i++) {
      expect((await get(s, accountsPath(s), token)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(s.stats().served429).toBe(0);
  });
});

describe('faults', () => {
  it('status429Probability: 429 with Retry-After, opening a window', async () => {
    const { s, token, q } = await setup({ faults: { status429Probability: 1 }, retryAfterSeconds: 2 });
    const r = await get(s, q, token);
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('2');
    s.clearFaults();
    await new Promise((res) => setTimeout(res, 150));
    expect((await get(s, q, token)).status).toBe(429);
    expect(s.stats().requestsDuringRetryAfter).toBe(1);
  });

  it('status5xxProbability: 500/503 fatal serverUnavailable', async () => {
    const { s, token, q } = await setup({ faults: { status5xxProbability: 1 } });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const r = await get(s, q, token);
      statuses.add(r.status);
      expect(errorObject(r.json)).toMatchObject({ type: 'fatal', code: 'serverUnavailable' });
    }
    expect(statuses).toEqual(new Set([500, 503]));
  });

  it('resetProbability: the socket closes without an answer', async () => {
    const { s, token, q } = await setup({ faults: { resetProbability: 1 } });
    await expect(get(s, q, token)).rejects.toThrow();
    expect(s.stats().byStatus.reset).toBe(1);
  });

  it('truncateProbability: a 200 whose body stops short of its Content-Length', async () => {
    const { s, token, q } = await setup({ faults: { truncateProbability: 1 } });
    await expect(get(s, q, token)).rejects.toThrow();
  });

  it('latencyMs delays resource and token responses; slow responses exceed a client timeout', async () => {
    const { s, token, q } = await setup({ faults: { latencyMs: 150 } });
    let t = performance.now();
    expect((await get(s, q, token)).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    const t2 = await s.issueTokens('user-1');
    t = performance.now();
    expect((await refresh(s, t2.refresh_token)).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    s.setFaults({ latencyMs: 0, slowProbability: 1, slowMs: 1000 });
    await expect(
      request(`${s.url}${q}`, { headers: { authorization: `Bearer ${token}`, client_id: s.clientId, uuid: 'u-slow', accept: 'application/json' }, headersTimeout: 200 }),
    ).rejects.toThrow(/timeout/i);
  });

  it('expireTokenProbability: a token already used expires early and stays expired; its first use never does', async () => {
    const { s, token, q } = await setup({ faults: { expireTokenProbability: 1 } });
    expect((await get(s, q, token)).status).toBe(200);
    const r = await get(s, q, token);
    expect(r.status).toBe(401);
    expect(errorCode(r.json)).toBe('unAuthorized');
    s.setFaults({ expireTokenProbability: 0 });
    expect((await get(s, q, token)).status).toBe(401);
  });

  it('mutateDuringPagination: later pages shift, so a row comes twice', async () => {
    const { s, token, acct } = await setup({ faults: { mutateDuringPagination: true } });
    if (country === 'US') {
      // US windows come whole: the world changes between two calls instead (one new pending row each).
      const count = async () => (await pageAll(s, token, acct, '2026-06-01', TODAY)).rows.length;
      const first = await count();
      expect(await count()).toBe(first + 1);
      return;
    }
    const before = s.truth('user-1').accounts.find((a) => a.accountId === acct)!.transactions.filter((t) => t.transactionDate >= '2026-06-01');
    const { rows, pages } = await pageAll(s, token, acct, '2026-06-01', TODAY);
    const ids = rows.map((r) => r.transactionId);
    expect(new Set(ids).size).toBeLessThan(ids.length);
    const after = s.truth('user-1').accounts.find((a) => a.accountId === acct)!.transactions.filter((t) => t.transactionDate >= '2026-06-01');
    expect(after.length).toBe(before.length + pages - 1);
    expect(after.filter((t) => t.status === 'PENDING').length).toBeGreaterThanOrEqual(pages - 1);
  });

  it('setAccountResponse serves a hostile body the given number of times', async () => {
    const { s, token, q, acct } = await setup();
    const body = '{"checkingAccountTransactions":[{"transactionDescription":"\\u0000\\ud800","transactionAmount":"NaN"}],"nextStartIndex":';
    s.setAccountResponse(acct, { status: 200, body, times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await get(s, q, token);
      expect(r.status).toBe(200);
      expect(r.text).toBe(body);
    }
    expect(rowsOf((await get(s, q, token)).json).length).toBeGreaterThan(0);
    s.setAccountResponse(acct, { status: 200, body: '<html>maintenance</html>', contentType: 'text/html' });
    const html = await get(s, q, token);
    expect(html.headers['content-type']).toBe('text/html');
    s.setAccountResponse(acct, null);
    expect(rowsOf((await get(s, q, token)).json).length).toBeGreaterThan(0);
  });

  it('rejects unknown fault names and out-of-range probabilities', async () => {
    const { s } = await setup();
    expect(() => s.setFaults({ status429Probability: 2 })).toThrow(/probability/);
    expect(() => s.setFaults({ nope: 1 } as never)).toThrow(/unknown fault/);
  });
});
});
