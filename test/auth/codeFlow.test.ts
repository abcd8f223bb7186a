/**
 * The loopback side of the code flow, without a browser or Citi: what reaches the redirect port
 * decides whether the flow ends. Only the redirect carrying this flow's state may end it; a stray or
 * hostile request is answered 400 and ignored while the flow keeps waiting (bounded by its deadline).
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConsentError, runCodeFlow, type CodeFlowOAuth } from '../../src/auth/codeFlow.ts';
import type { TokenSet } from '../../src/citi/index.ts';

const TOKENS = { accessToken: 'a', refreshToken: 'r', expiresAt: new Date(0) } as unknown as TokenSet;

/** An OAuth stand-in that records the authorize parameters and the codes it was asked to exchange. */
function fakeOAuth() {
  const exchanged: string[] = [];
  let authorize: URL | undefined;
  const oauth: CodeFlowOAuth = {
    authorizeUrl: ({ redirectUri, state }) => {
      authorize = new URL(`https://citi.invalid/authorize?${new URLSearchParams({ redirect_uri: redirectUri, state })}`);
      return authorize.toString();
    },
    exchangeCode: async ({ code }) => {
      exchanged.push(code);
      return TOKENS;
    },
  };
  return { oauth, exchanged, redirect: () => new URL(authorize!.searchParams.get('redirect_uri')!), state: () => authorize!.searchParams.get('state')! };
}

async function get(url: string): Promise<number> {
  const res = await fetch(url, { redirect: 'manual' });
  await res.text();
  return res.status;
}

describe('runCodeFlow: the loopback redirect', () => {
  it('answers a wrong, missing or forged state 400 and keeps waiting; the real redirect then completes', async () => {
    const f = fakeOAuth();
    const strays: number[] = [];
    const tokens = await runCodeFlow({
      oauth: f.oauth,
      redirectUri: 'http://127.0.0.1:0/callback',
      timeoutMs: 10_000,
      open: async () => {
        const cb = f.redirect().toString();
        strays.push(await get(`${cb}?code=stolen&state=not-the-one`));
        strays.push(await get(`${cb}?code=stolen`));
        strays.push(await get(`${cb}?error=access_denied&state=${encodeURIComponent(f.state())}x`));
        strays.push(await get(`${cb}?error=access_denied`));
        strays.push(await get(`${f.redirect().origin}/elsewhere?state=${encodeURIComponent(f.state())}&code=c`));
        // After all that, the person's own redirect arrives (in the background, as a browser would).
        setTimeout(() => void get(`${cb}?code=the-real-one&state=${encodeURIComponent(f.state())}`), 10);
      },
    });
    expect(strays).toEqual([400, 400, 400, 400, 404]);
    expect(tokens).toBe(TOKENS);
    expect(f.exchanged).toEqual(['the-real-one']);
  });

  it('only stray requests: the flow still ends at its deadline, exchanging nothing', async () => {
    const f = fakeOAuth();
    const started = Date.now();
    const err = await runCodeFlow({
      oauth: f.oauth,
      redirectUri: 'http://127.0.0.1:0/callback',
      timeoutMs: 500,
      open: async () => {
        expect(await get(`${f.redirect()}?code=stolen&state=nope`)).toBe(400);
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsentError);
    expect((err as ConsentError).reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(f.exchanged).toEqual([]);
  });

  it('the redirect with our state and an error ends the flow (consent denied)', async () => {
    const f = fakeOAuth();
    let status: Promise<number> | undefined;
    const err = await runCodeFlow({
      oauth: f.oauth,
      redirectUri: 'http://127.0.0.1:0/callback',
      timeoutMs: 10_000,
      open: () => {
        setTimeout(() => (status = get(`${f.redirect()}?error=access_denied&state=${encodeURIComponent(f.state())}`)), 10);
      },
    }).catch((e: unknown) => e);
    expect((err as ConsentError).reason).toBe('access_denied');
    expect(await status).toBe(400);
    expect(f.exchanged).toEqual([]);
  });

  it('a client holding a connection open does not keep the flow from returning', async () => {
    const f = fakeOAuth();
    let socket: Socket | undefined;
    const started = Date.now();
    await runCodeFlow({
      oauth: f.oauth,
      redirectUri: 'http://127.0.0.1:0/callback',
      timeoutMs: 10_000,
      open: async () => {
        const r = f.redirect();
        // Half a request, never finished.
        socket = connect(Number(r.port), '127.0.0.1');
        socket.on('error', () => undefined);
        await new Promise<void>((ok) => socket!.once('connect', () => ok()));
        socket.write(`GET ${r.pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
        setTimeout(() => void get(`${r}?code=c&state=${encodeURIComponent(f.state())}`), 10);
      },
    });
    // Cut after the listener's one-second grace, not the flow's deadline or Node's 300 s request timeout.
    expect(Date.now() - started).toBeLessThan(5_000);
    socket?.destroy();
  });
});
