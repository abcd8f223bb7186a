import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountUnavailableError,
  MalformedResponseError,
  RateLimitedError,
  RetryLaterError,
  UnexpectedResponseError,
  type CitiAccount,
  type CitiClient,
} from '../../../src/citi/index.ts';
import type { Sandbox } from '../../../src/sandbox/index.ts';
import { DIALECTS, MemoryTokens, TODAY, clientFor, collect, failure, fullHistory, historyFrom, homeCurrency, sandbox, transactionsKey, transactionsPath } from './helpers.ts';

describe.each(DIALECTS)('%s dialect', (country) => {
  let sb: Sandbox;
  let client: CitiClient;
  let tokens: MemoryTokens;
  let accounts: CitiAccount[];
  const USER = () => sb.users[0]!.userId;
  const HISTORY_FROM = historyFrom(country);
  /** An error object in the market's body shape: US `{"errors":[…]}`, Asia-Pacific flat (contract §2). */
  const errorBody = (e: Record<string, string>): string => JSON.stringify(country === 'US' ? { errors: [e] } : e);

  beforeAll(async () => {
    sb = await sandbox({ country });
    client = clientFor(sb, { maxRetries: 2 });
    tokens = await MemoryTokens.issue(sb, client, USER());
    accounts = (await client.listAccounts(tokens)).accounts;
  });

  afterEach(() => {
    for (const a of accounts) {
      sb.setAccountShape(a.accountId, 'normal');
      sb.setAccountResponse(a.accountId, null);
    }
    sb.clearFaults();
  });

  afterAll(async () => {
    await client?.close();
    await sb?.close();
  });

  const card = () => accounts.find((a) => a.accountType === 'creditCard')!;
  const checking = () => accounts.find((a) => a.accountType === 'checking' && a.currencyCode === homeCurrency(country))!;
  const truthRows = (accountId: string) =>
    sb.truth(USER()).accounts.find((t) => t.accountId === accountId)!.transactions.filter((x) => x.transactionDate >= HISTORY_FROM);

  describe('contract §6 shapes', () => {
    it('noIds: every row gets a stable synthetic key; identical rows stay apart; counts equal truth', async () => {
      sb.setAccountShape(card().accountId, 'noIds');
      const first = await fullHistory(client, tokens, card());
      const again = await fullHistory(client, tokens, card());
      expect(first.length).toBe(truthRows(card().accountId).length);
      expect(first.every((r) => r.idSynthetic && /^syn:[0-9a-f]{32}$/.test(r.transactionId))).toBe(true);
      expect(new Set(first.map((r) => r.transactionId)).size).toBe(first.length);
      expect(again.map((r) => r.transactionId)).toEqual(first.map((r) => r.transactionId));
    });

    it('billedStatus: BILLED and UNBILLED rows are posted, statusRaw kept', async () => {
      sb.setAccountShape(card().accountId, 'billedStatus');
      const rows = await fullHistory(client, tokens, card());
      const raws = new Set(rows.map((r) => r.statusRaw));
      expect(raws).toEqual(new Set(['PENDING', 'BILLED', 'UNBILLED']));
      for (const r of rows) expect(r.status).toBe(r.statusRaw === 'PENDING' ? 'pending' : 'posted');
    });

    it('singleObject: one object where the array belongs, paged one row at a time', async () => {
      sb.setAccountShape(checking().accountId, 'singleObject');
      const pages = await collect(client.transactionPages(tokens, checking(), '2026-10-26', TODAY));
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.every((p) => p.rows.length === 1)).toBe(true);
      const truth = truthRows(checking().accountId).filter((x) => x.transactionDate >= '2026-10-26');
      expect(pages.map((p) => p.rows[0]!.transactionId)).toEqual(truth.map((x) => x.transactionId));
    });

    it('long ids, JPY and BHD amounts kept exact', async () => {
      const long = accounts.find((a) => a.accountId.length === 128)!;
      expect(long.accountId).toMatch(/^[0-9A-Fa-f]{128}$/);
      for (const code of ['JPY', 'BHD']) {
        const a = accounts.find((x) => x.currencyCode === code)!;
        const rows = await fullHistory(client, tokens, a);
        const truth = new Map(truthRows(a.accountId).map((x) => [x.transactionId, x.signedAmount]));
        // US pending rows have no id (compared in paging.test.ts); every other row to the digit.
        for (const r of rows.filter((x) => !x.idSynthetic)) expect(r.amount).toBe(truth.get(r.transactionId));
        if (code === 'JPY') expect(rows.every((r) => !r.amount.includes('.'))).toBe(true);
      }
    });

    it('an empty account answers an empty page', async () => {
      const empty = accounts.filter((a) => truthRows(a.accountId).length === 0);
      expect(empty.length).toBeGreaterThan(0);
      for (const a of empty) expect(await fullHistory(client, tokens, a)).toEqual([]);
    });
  });

  describe('contract §2 errors per account', () => {
    const walk = () => collect(client.transactions(tokens, checking(), '2026-10-01', TODAY));

    it.each([
      [403, 'accessNotConfigured'],
      [404, 'resourceNotFound'],
      [400, 'invalidRequest'],
    ])('%s %s → AccountUnavailableError, not retried', async (status, code) => {
      sb.setAccountResponse(checking().accountId, { status, body: errorBody({ type: 'error', code, details: 'x', location: '', moreInfo: '' }) });
      const before = sb.stats().requests;
      const err = await failure(walk());
      expect(err).toBeInstanceOf(AccountUnavailableError);
      expect(err).toMatchObject({ status, code, action: 'skip-account' });
      expect((err as AccountUnavailableError).path).toContain(`${transactionsPath(sb, checking().accountId)}?`);
      expect(sb.stats().requests - before).toBe(1);
    });

    it('an account of another user is a 404 → AccountUnavailableError', async () => {
      const other = sb.users[1]!.accountIds[0]!;
      const err = await failure(collect(client.transactions(tokens, { accountId: other, accountType: 'checking' }, '2026-10-01', TODAY)));
      expect(err).toBeInstanceOf(AccountUnavailableError);
      expect(err).toMatchObject({ status: 404, code: 'resourceNotFound' });
    });

    it('transient 503s are retried through', async () => {
      sb.setAccountResponse(checking().accountId, { status: 503, body: errorBody({ type: 'fatal', code: 'serverUnavailable' }), times: 2 });
      const rows = await walk();
      expect(rows.length).toBeGreaterThan(0);
    });

    it('a page that is not JSON → MalformedResponseError (after retries) naming the path and a snippet', async () => {
      sb.setAccountResponse(checking().accountId, { status: 200, body: '<html>maintenance</html>', contentType: 'text/html' });
      const before = sb.stats().requests;
      const err = (await failure(walk())) as MalformedResponseError;
      expect(err).toBeInstanceOf(MalformedResponseError);
      expect(err.snippet).toContain('<html>maintenance');
      expect(err.message).toContain(`${transactionsPath(sb, checking().accountId)}?`);
      expect(sb.stats().requests - before).toBe(3); // 1 + maxRetries
    });

    it('a row of the wrong shape → MalformedResponseError naming the field path', async () => {
      const good = truthRows(checking().accountId)[0]!.raw;
      // A decimal string is a number (contract §6); a word is not.
      const key = transactionsKey(sb, 'checking');
      const body = { [key]: [good, good, good, { ...good, transactionAmount: 'twelve' }], nextStartIndex: '' };
      sb.setAccountResponse(checking().accountId, { status: 200, body: JSON.stringify(body) });
      const err = (await failure(walk())) as MalformedResponseError;
      expect(err).toBeInstanceOf(MalformedResponseError);
      expect(err.fieldPath).toBe(`${key}[3].transactionAmount`);
      expect(err.snippet).toBe('"twelve"');
    });

    it('a page without the array → MalformedResponseError', async () => {
      sb.setAccountResponse(checking().accountId, { status: 200, body: JSON.stringify({ unexpectedRows: [], nextStartIndex: '' }) });
      const err = (await failure(walk())) as MalformedResponseError;
      expect(err).toBeInstanceOf(MalformedResponseError);
      // Fail loudly, naming the keys it saw (issue 11: never zero rows and success).
      expect(err.message).toContain('unexpectedRows');
    });

    it('a 503 that does not go away → RetryLaterError after maxRetries', async () => {
      sb.setAccountResponse(checking().accountId, { status: 503, body: errorBody({ type: 'fatal', code: 'serverUnavailable' }) });
      const before = sb.stats().requests;
      const err = await failure(walk());
      expect(err).toBeInstanceOf(RetryLaterError);
      expect(err).toMatchObject({ action: 'retry', status: 503, code: 'serverUnavailable' });
      expect(sb.stats().requests - before).toBe(3);
    });

    it('429s that do not stop → RateLimitedError after max429Retries, each after the Retry-After pause', async () => {
      const impatient = clientFor(sb, { max429Retries: 1 });
      try {
        sb.setFaults({ status429Probability: 1 });
        const before = sb.stats();
        const started = Date.now();
        const err = await failure(collect(impatient.transactions(tokens, checking(), '2026-10-01', TODAY)));
        expect(err).toBeInstanceOf(RateLimitedError);
        expect(err).toMatchObject({ action: 'retry', status: 429, retryAfterMs: 1000 });
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
        const after = sb.stats();
        expect(after.served429 - before.served429).toBe(2);
        expect(after.requestsDuringRetryAfter).toBe(before.requestsDuringRetryAfter);
      } finally {
        sb.clearFaults();
        // Let the Retry-After window the sandbox opened pass before anything else runs.
        await new Promise((r) => setTimeout(r, 1100));
        await impatient.close();
      }
    });

    it('a status the contract does not describe is fatal', async () => {
      sb.setAccountResponse(checking().accountId, { status: 409, body: '{}' });
      expect(await failure(walk())).toBeInstanceOf(UnexpectedResponseError);
    });
  });
});
