import { describe, expect, it } from 'vitest';
import { PageGuard, PagingLoopError, pageCapForWindow, type CitiClient } from '../../../src/citi/index.ts';
import { failure, fakeWire, res, SeqTokens, type Responder } from './fakeWire.ts';

/** Issue 10 item 4: paging cycles end. */

describe('PageGuard (pure)', () => {
  it('a cursor that comes back fails the walk, naming how many cursors it had followed', () => {
    const g = new PageGuard('/v1/x', 100);
    g.accept('A');
    g.accept('B');
    expect(() => g.accept('A')).toThrow(new PagingLoopError('Citi\'s paging looped on /v1/x: cursor "A" came back after 2 distinct cursors', { path: '/v1/x', cursors: 2 }));
    try {
      g.accept('A');
    } catch (err) {
      expect(err).toMatchObject({ name: 'PagingLoopError', action: 'skip-account', cursors: 2, path: '/v1/x', code: 'pagingLoop' });
    }
  });

  it('the resumed cursor counts as seen', () => {
    const g = new PageGuard('/v1/x', 100, 'R');
    expect(() => g.accept('R')).toThrow(/came back after 1 distinct cursors/);
  });

  it('null and "" end a walk and are never a repeat', () => {
    const g = new PageGuard('/v1/x', 2);
    g.accept(null);
    g.accept('');
    g.accept('A');
    g.accept(null);
  });

  it('a cursor that keeps changing ends at the page cap', () => {
    const g = new PageGuard('/v1/x', 5);
    for (let i = 1; i <= 4; i++) g.accept(String(i)); // pages 2..5
    expect(() => g.accept('5')).toThrow('Citi\'s paging did not end on /v1/x: more than 5 pages (4 distinct cursors), the most this walk may take');
  });

  it('long cursors are remembered by hash and still caught', () => {
    const g = new PageGuard('/v1/x', 100);
    const long = 'x'.repeat(10_000);
    g.accept(long);
    g.accept(`${long}y`);
    expect(() => g.accept(long)).toThrow(PagingLoopError);
  });

  it('the cap of a window follows its days and the page size, with margin', () => {
    expect(pageCapForWindow(1)).toBe(101);
    expect(pageCapForWindow(90)).toBe(190);
    expect(pageCapForWindow(366)).toBe(466);
    expect(pageCapForWindow(366, 10)).toBe(1930);
  });
});

describe('the client stops looping cursors (fake wire)', () => {
  const txPage = (id: number, next: string) => ({
    checkingAccountTransactions: [
      { transactionId: `t${id}`, transactionDate: '2026-01-02', transactionAmount: 1, debitCreditMemo: 'CREDIT', transactionStatus: 'POSTED', currencyCode: 'USD' },
    ],
    nextStartIndex: next,
  });
  const walk = async (client: CitiClient, from: string, to: string) => {
    const pages: string[] = [];
    try {
      for await (const p of client.transactionPages(new SeqTokens(), { accountId: 'a1', accountType: 'checking' }, from, to)) pages.push(p.startIndex ?? '');
    } catch (err) {
      return { pages, err };
    }
    return { pages, err: undefined };
  };
  // The fake wire pages in Asia-Pacific v1 (`/v1/...`, `nextStartIndex`): a client of that dialect.
  const mk = (script: Responder) => fakeWire('SG', script);

  // The error names the walk's request without its cursor: the endpoint and the window.
  it('A → B → A: three requests, then PagingLoopError', async () => {
    const { client, transport } = mk((_req, n) => res(200, txPage(n, n % 2 === 0 ? 'A' : 'B')));
    const { pages, err } = await walk(client, '2026-01-01', '2026-01-31');
    expect(err).toBeInstanceOf(PagingLoopError);
    expect((err as Error).message).toBe('Citi\'s paging looped on /v1/accounts/a1/transactions?transactionFromDate=2026-01-01&transactionToDate=2026-01-31: cursor "A" came back after 2 distinct cursors');
    expect(pages).toEqual(['', 'A']);
    expect(transport.requests).toHaveLength(3);
  });

  it('an ever-increasing cursor: stopped at the window\'s page cap', async () => {
    const { client, transport } = mk((_req, n) => res(200, txPage(n, String(n + 1))));
    const { pages, err } = await walk(client, '2026-01-01', '2026-01-31');
    expect(err).toBeInstanceOf(PagingLoopError);
    expect((err as Error).message).toBe(
      "Citi's paging did not end on /v1/accounts/a1/transactions?transactionFromDate=2026-01-01&transactionToDate=2026-01-31: more than 131 pages (130 distinct cursors), the most this walk may take",
    );
    expect(transport.requests).toHaveLength(131);
    expect(pages).toHaveLength(130);
  });

  it('the accounts list loops too: stopped', async () => {
    const { client, transport, tokens } = mk((_req, n) => res(200, { accountGroupSummary: [], nextStartIndex: n % 2 === 0 ? 'A' : 'B' }));
    const err = await failure(client.listAccounts(tokens));
    expect(err).toBeInstanceOf(PagingLoopError);
    expect(transport.requests).toHaveLength(3);
  });
});
