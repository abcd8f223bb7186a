import { describe, expect, it } from 'vitest';
import {
  AccountUnavailableError,
  MalformedResponseError,
  WindowOutOfRangeError,
  bankToday,
  dialectFor,
  mayLoseDigits,
} from '../../../src/citi/index.ts';
import { collect, failure, fakeWire as setup, res } from './fakeWire.ts';

describe('dialects: one per market, chosen by country code', () => {
  it('US is US v2; every other code is Asia-Pacific v1 with its own token path and time zone', () => {
    const us = dialectFor('us');
    expect([us.country, us.name, us.timeZone, us.historyMonths, us.tokenPath, us.statementsOffered, us.accountPaths]).toEqual([
      'US',
      'US v2',
      'America/New_York',
      24,
      '/authCode/oauth2/token/us/gcb',
      false,
      ['/v2/accounts/details', '/v2/accounts'],
    ]);
    expect(us.maxWindow('creditCard')).toEqual({ unit: 'months', count: 12 });
    const zones = ['SG', 'HK', 'AU', 'IN', 'MY', 'ZZ'].map((cc) => {
      const d = dialectFor(cc);
      return [d.country, d.name, d.timeZone, d.historyMonths, d.tokenPath, d.statementsOffered];
    });
    expect(zones).toEqual([
      ['SG', 'Asia-Pacific v1', 'Asia/Singapore', 12, '/authCode/oauth2/token/sg/gcb', true],
      ['HK', 'Asia-Pacific v1', 'Asia/Hong_Kong', 12, '/authCode/oauth2/token/hk/gcb', true],
      ['AU', 'Asia-Pacific v1', 'Australia/Sydney', 12, '/authCode/oauth2/token/au/gcb', true],
      ['IN', 'Asia-Pacific v1', 'Asia/Kolkata', 12, '/authCode/oauth2/token/in/gcb', true],
      ['MY', 'Asia-Pacific v1', 'Asia/Kuala_Lumpur', 12, '/authCode/oauth2/token/my/gcb', true],
      ['ZZ', 'Asia-Pacific v1', 'Asia/Singapore', 12, '/authCode/oauth2/token/zz/gcb', true],
    ]);
    expect(dialectFor('SG').maxWindow('creditCard')).toEqual({ unit: 'days', count: 90 });
    expect(dialectFor('SG').maxWindow('savings')).toEqual({ unit: 'months', count: 12 });
    expect(() => dialectFor('USA')).toThrow(RangeError);
    expect(() => dialectFor('1A')).toThrow(/two letters/);
  });

  it("the bank's current date is the market's, not UTC's", () => {
    const t = new Date('2026-11-26T02:30:00Z');
    expect(['America/New_York', 'Asia/Singapore', 'Asia/Kolkata', 'Australia/Sydney'].map((z) => bankToday(t, z))).toEqual([
      '2026-11-25',
      '2026-11-26',
      '2026-11-26',
      '2026-11-26',
    ]);
    expect(bankToday(new Date('2026-11-25T13:00:00Z'), 'Australia/Sydney')).toBe('2026-11-26');
    const { client } = setup('US', []);
    expect([client.today(t), client.forCountry('sg').today(t), client.forCountry('SG') === client.forCountry('sg')]).toEqual(['2026-11-25', '2026-11-26', true]);
  });
});

describe('US v2 on the wire', () => {
  it('falls back to the older /v2/accounts summary shape when /v2/accounts/details is 404', async () => {
    const { client, transport, tokens } = setup('US', (req) =>
      req.path === '/v2/accounts/details'
        ? res(404, { httpCode: '404', httpMessage: 'Not Found', moreInformation: 'No resources match requested URI' })
        : res(200, {
            accountGroupSummary: [
              { accountGroup: 'CREDITCARD', creditCardAccountsSummary: [{ accountId: '2016764541', currencyCode: 'USD', accountStatus: 'ACTIVE', currentBalance: 610.41 }] },
              { accountGroup: 'CHECKING', checkingAccountsSummary: { accountId: 'K1', currencyCode: 'USD', accountNickName: 'Bills', availableBalance: '12.00' } },
            ],
          }),
    );
    const accounts = (await client.listAccounts(tokens)).accounts;
    expect(transport.requests.map((r) => r.path)).toEqual(['/v2/accounts/details', '/v2/accounts']);
    expect(accounts.map((a) => [a.accountId, a.accountType, a.accountGroup, a.nickname, a.currentBalance, a.availableBalance])).toEqual([
      ['2016764541', 'creditCard', 'CREDITCARD', null, '610.41', null],
      ['K1', 'checking', 'CHECKING', 'Bills', null, '12'],
    ]);
  });

  it('204 is an empty window; a 200 with an empty body is a cut-off answer, retried', async () => {
    const { client, tokens } = setup('US', [res(204, ''), { status: 200, headers: {}, body: '' }, res(204, '')]);
    const pages = await collect(client.transactionPages(tokens, { accountId: 'A', accountType: 'checking' }, '2026-01-01', '2026-06-30'));
    expect(pages.map((p) => [p.rows.length, p.nextStartIndex, p.path, p.textLength])).toEqual([
      [0, null, '/v2/accounts/A/transactions?transactionFromDate=2026-01-01&transactionToDate=2026-06-30', 0],
    ]);
    const again = setup('US', [{ status: 200, headers: {}, body: '' }, res(204, '')]);
    expect(await collect(again.client.transactions(again.tokens, { accountId: 'A', accountType: 'checking' }, '2026-01-01', '2026-01-31'))).toEqual([]);
    expect(again.transport.requests).toHaveLength(2);
  });

  it('a date-range 400 clamps the window by a day at that end and retries once; a second refusal skips the account', async () => {
    const { client, transport, tokens } = setup('US', [
      res(400, { errors: [{ type: 'error', code: 'tranxFromDate2YrsPriorToCurrDate' }] }),
      res(200, { checkingAccountTransactions: [{ transactionId: 'T', transactionDate: '2025-01-02', transactionAmount: 1, debitCreditMemo: 'CREDIT', currencyCode: 'USD' }] }),
    ]);
    const pages = await collect(client.transactionPages(tokens, { accountId: 'A', accountType: 'checking' }, '2025-01-01', '2025-06-30'));
    expect(transport.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('transactionFromDate'))).toEqual(['2025-01-01', '2025-01-02']);
    expect(pages.map((p) => [p.window, p.rows.map((r) => r.amount)])).toEqual([[{ from: '2025-01-02', to: '2025-06-30' }, ['1']]]);
    // The page's text is the body it was read from: what the writer sizes its batches by.
    expect(pages[0]!.textLength).toBe(
      JSON.stringify({ checkingAccountTransactions: [{ transactionId: 'T', transactionDate: '2025-01-02', transactionAmount: 1, debitCreditMemo: 'CREDIT', currencyCode: 'USD' }] }).length,
    );

    const twice = setup('US', [res(400, { errors: [{ type: 'error', code: 'tranxToDateAfterCurrDate' }] })]);
    const err = await failure(collect(twice.client.transactions(twice.tokens, { accountId: 'A', accountType: 'checking' }, '2026-11-01', '2026-11-26')));
    expect(err).toBeInstanceOf(WindowOutOfRangeError);
    expect((err as WindowOutOfRangeError).action).toBe('skip-account');
    expect(twice.transport.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('transactionToDate'))).toEqual(['2026-11-26', '2026-11-25']);
  });

  it('a 404 of type fatal is serverUnavailable: retried, then served', async () => {
    const { client, transport, tokens } = setup('US', [res(404, { errors: [{ type: 'fatal', code: 'serverUnavailable' }] }), res(204, '')]);
    await collect(client.transactions(tokens, { accountId: 'A', accountType: 'loan' }, '2026-01-01', '2026-01-31'));
    expect(transport.requests).toHaveLength(2);
    const gone = setup('US', [res(404, { errors: [{ type: 'error', code: 'resourceNotFound' }] })]);
    const err = await failure(collect(gone.client.transactions(gone.tokens, { accountId: 'A', accountType: 'loan' }, '2026-01-01', '2026-01-31')));
    expect([err instanceof AccountUnavailableError, (err as AccountUnavailableError).code]).toEqual([true, 'resourceNotFound']);
  });

  it('statements are never asked where the market has none', async () => {
    const { client, transport, tokens } = setup('US', []);
    expect(client.statementsOffered).toBe(false);
    expect(await collect(client.statements(tokens, 'C1'))).toEqual([]);
    expect(transport.requests).toEqual([]);
  });

  it('a card window of a year is allowed in the US, not in Asia-Pacific', async () => {
    const { client, tokens } = setup('US', [res(204, '')]);
    await collect(client.transactions(tokens, { accountId: 'C', accountType: 'creditCard' }, '2026-01-01', '2026-12-31'));
    const sg = setup('SG', []);
    await expect(collect(sg.client.transactions(sg.tokens, { accountId: 'C', accountType: 'creditCard' }, '2026-01-01', '2026-04-30'))).rejects.toThrow(RangeError);
  });
});

describe('exact numbers on the wire', () => {
  it('a body with numbers a double would round is parsed losslessly; others take the fast path, equally exact', async () => {
    expect(['{"a":12.5}', '{"a":123456789012345}', '{"id":"da549a7cc86472ee05272c7bd0a4483f"}', '{"transactionId":"2026112500001234","n":[1, 2.5]}'].map(mayLoseDigits)).toEqual([false, false, false, false]);
    expect(['{"a":1234567890123456}', '{"a":0.30000000000000004}', '{"a":-1.5E3}', '[1e5]', '12345678901234567', '{"a":[1, -12345678901234567]}', '{"a" :\n 2E-3}'].map(mayLoseDigits)).toEqual([true, true, true, true, true, true, true]);
    const body = (amount: string) => ({
      status: 200,
      headers: {},
      body: `{"checkingAccountTransactions":[{"transactionId":"T","transactionDate":"2026-01-02","currencyCode":"USD","debitCreditMemo":"DEBIT","transactionAmount":${amount}}]}`,
    });
    const amounts = ['12345678901234567890.12', '0.30000000000000004', '1.5E3', '123456789012345', '0.0000000000001', '10.10'];
    const { client, tokens } = setup('US', amounts.map(body));
    const got: string[] = [];
    for (let i = 0; i < amounts.length; i++) {
      for await (const r of client.transactions(tokens, { accountId: 'A', accountType: 'checking' }, '2026-01-01', '2026-01-31')) got.push(r.amount);
    }
    expect(got).toEqual(['-12345678901234567890.12', '-0.30000000000000004', '-1500', '-123456789012345', '-0.0000000000001', '-10.1']);
  });
});

describe('Asia-Pacific v1 envelopes', () => {
  it('reads the three transaction keys, India reference ids and a single object; an unknown group array fails naming the keys', async () => {
    const row = (over: Record<string, unknown>) => ({ transactionDate: '2026-11-01', transactionAmount: '5.10', currencyCode: 'INR', debitCreditMemo: 'DEBIT', ...over });
    const { client, tokens } = setup('IN', [
      res(200, { transactions: [row({ transactionReferenceId: 'R1', runningBalance: 9 })], investmentTransaction: [], nextStartIndex: '2' }),
      res(200, { transaction: row({ transactionId: 'T2' }), nextStartIndex: '3' }),
      res(200, { savingsAccountTransactions: [row({ transactionId: 'T3' })], nextStartIndex: '' }),
    ]);
    const rows = await collect(client.transactions(tokens, { accountId: 'S', accountType: 'savings' }, '2026-11-01', '2026-11-26'));
    expect(rows.map((r) => [r.transactionId, r.idSynthetic, r.amount])).toEqual([
      ['R1', false, '-5.1'],
      ['T2', false, '-5.1'],
      ['T3', false, '-5.1'],
    ]);

    const odd = setup('SG', [res(200, { accountGroupSummary: [{ accountGroup: 'WEALTH', portfolios: [{ id: 'P' }], totalCurrentBalance: {} }] })]);
    const err = await failure(odd.client.listAccounts(odd.tokens));
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as MalformedResponseError).message).toContain('accountGroupSummary[0].portfolios: unknown account array in group WEALTH; found keys: accountGroup, portfolios, totalCurrentBalance');
  });

  it('an account id that is a dot segment (it would change the request path) fails the listing, naming the field', async () => {
    for (const id of ['.', '..']) {
      const { client, tokens, transport } = setup('US', () =>
        res(200, { accountGroupDetails: [{ accountGroup: 'CHECKING', checkingAccountsDetails: [{ accountId: id, currencyCode: 'USD' }] }] }),
      );
      const err = await failure(client.listAccounts(tokens));
      expect(err).toBeInstanceOf(MalformedResponseError);
      expect((err as MalformedResponseError).message).toContain('accountId: a dot segment (. or ..) cannot be an id in a path');
      // Retried as any malformed page is, and never used in a path.
      expect(new Set(transport.requests.map((r) => r.path))).toEqual(new Set(['/v2/accounts/details']));
    }
  });

  it('an account listed twice across pages (live offsets) is kept once; under another kind it is reported', async () => {
    const page = (entries: Array<[string, string]>, next: string) => ({
      accountGroupSummary: [{ accountGroup: 'X', accounts: entries.map(([kind, id]) => ({ [`${kind}AccountSummary`]: { accountId: id, currencyCode: 'SGD', accountStatus: 'ACTIVE' } })) }],
      nextStartIndex: next,
    });
    const { client, tokens } = setup('SG', [res(200, page([['checking', 'A'], ['savings', 'B']], '2')), res(200, page([['savings', 'B'], ['loan', 'A']], ''))]);
    const listing = await client.listAccounts(tokens);
    expect(listing.accounts.map((a) => [a.accountId, a.accountType])).toEqual([
      ['A', 'checking'],
      ['B', 'savings'],
    ]);
    expect(listing.repeated).toEqual([{ accountId: 'A', kept: 'checking', dropped: ['loan'] }]);
  });
});
