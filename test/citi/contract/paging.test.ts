import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountUnavailableError, addDays, lastDayOfWindow, type CitiAccount, type CitiClient } from '../../../src/citi/index.ts';
import type { Sandbox } from '../../../src/sandbox/index.ts';
import { DIALECTS, MemoryTokens, TODAY, clientFor, collect, failure, fullHistory, historyFrom, homeCurrency, sandbox, transactionsPath } from './helpers.ts';

describe.each(DIALECTS)('%s dialect', (country) => {
  let sb: Sandbox;
  let client: CitiClient;
  let tokens: MemoryTokens;
  let accounts: CitiAccount[];
  const HISTORY_FROM = historyFrom(country);

  beforeAll(async () => {
    sb = await sandbox({ country });
    client = clientFor(sb);
    tokens = await MemoryTokens.issue(sb, client, sb.users[0]!.userId);
    accounts = (await client.listAccounts(tokens)).accounts;
  });

  afterAll(async () => {
    await client?.close();
    await sb?.close();
  });

  describe('contract: paging to the end (§3, §4, §5)', () => {
    it('accounts: every account of the user, typed from its key, with every balance and holding exactly as served', () => {
      const truth = sb.truth(sb.users[0]!.userId).accounts;
      expect(truth.length).toBeGreaterThan(5); // Asia-Pacific: more than one accounts page (5 a page)
      const got = [...accounts].sort((a, b) => a.accountId.localeCompare(b.accountId));
      const want = [...truth].sort((a, b) => a.accountId.localeCompare(b.accountId));
      expect(got.map((a) => [a.accountId, a.accountType, a.accountGroup])).toEqual(want.map((t) => [t.accountId, t.type, t.accountGroup]));
      for (const [i, t] of want.entries()) {
        const a = got[i]!;
        expect(a.currencyCode, t.accountId).toBe((t.served.currencyCode as string | undefined) ?? null);
        expect(a.status, t.accountId).toBe((t.served.accountStatus as string | undefined) ?? null);
        expect(a.balanceType, t.accountId).toBe(t.balanceType);
        expect(a.balances, t.accountId).toEqual(t.balances);
        expect(a.holdings.map(({ raw: _raw, ...h }) => h), t.accountId).toEqual(t.holdings);
      }
      expect(accounts.some((a) => a.accountId.length === 128)).toBe(true);
      if (country === 'US') expect(new Set(accounts.map((a) => a.accountType))).toEqual(new Set(['checking', 'savings', 'creditCard', 'loan', 'lineOfCredit', 'brokerage', 'retirement']));
    });

    it('transactions: each account’s whole history equals truth (ids, signed exact amounts, raw)', async () => {
      const truth = sb.truth(sb.users[0]!.userId).accounts;
      for (const acct of accounts.filter((a) => a.accountType !== 'brokerage' && a.accountType !== 'retirement')) {
        const t = truth.find((x) => x.accountId === acct.accountId)!;
        const rows = await fullHistory(client, tokens, acct);
        const inHistory = t.transactions.filter((x) => x.transactionDate >= HISTORY_FROM && x.transactionDate <= TODAY);
        expect(rows.length, acct.accountId).toBe(inHistory.length);
        const byId = new Map(rows.map((r) => [r.transactionId, r]));
        expect(byId.size).toBe(rows.length);
        // US pending rows carry no id: the client keys them synthetically; compare them by content.
        const withId = inHistory.filter((x) => x.transactionId !== null);
        for (const x of withId) {
          const r = byId.get(x.transactionId!);
          expect(r, x.transactionId!).toBeDefined();
          expect(r!.amount).toBe(x.signedAmount);
          expect(r!.raw).toEqual(x.raw); // unknown fields included
          expect(r!.status).toBe(x.status === 'PENDING' ? 'pending' : 'posted');
          expect(r!.postingDate).toBe(x.postingDate);
          expect(r!.currencyCode).toBe(acct.currencyCode);
        }
        const synthetic = rows.filter((r) => r.idSynthetic);
        expect(synthetic.map((r) => r.amount).sort()).toEqual(inHistory.filter((x) => x.transactionId === null).map((x) => x.signedAmount).sort());
        expect(synthetic.every((r) => r.status === 'pending')).toBe(true);
      }
    });

    it('pages: Asia-Pacific chains nextStartIndex cursors; US answers a window whole', async () => {
      const acct = accounts.find((a) => a.accountType === 'checking' && a.currencyCode === homeCurrency(country))!;
      const from = addDays(TODAY, -200);
      const pages = await collect(client.transactionPages(tokens, acct, from, TODAY));
      expect(pages[0]!.startIndex).toBeNull();
      expect(pages.at(-1)!.nextStartIndex).toBeNull();
      if (country === 'US') {
        expect(pages).toHaveLength(1);
        expect(pages[0]!.rows.length).toBeGreaterThan(50);
        return;
      }
      expect(pages.length).toBeGreaterThan(1);
      for (let i = 1; i < pages.length; i++) expect(pages[i]!.startIndex).toBe(pages[i - 1]!.nextStartIndex);
      // Resuming from a checkpoint yields exactly the remaining pages.
      const resumed = await collect(client.transactionPages(tokens, acct, from, TODAY, { startIndex: pages[1]!.startIndex! }));
      expect(resumed.map((p) => p.rows.map((r) => r.transactionId))).toEqual(pages.slice(1).map((p) => p.rows.map((r) => r.transactionId)));
    });

    it('an empty window is empty, not an error (US: 204 No Content)', async () => {
      const empty = accounts.find((a) => a.accountType === 'savings' && sb.truth(sb.users[0]!.userId).accounts.find((t) => t.accountId === a.accountId)!.transactions.length === 0)!;
      expect(await collect(client.transactions(tokens, empty, addDays(TODAY, -30), TODAY))).toEqual([]);
      if (country === 'US') expect(sb.stats().byStatus['204']).toBeGreaterThan(0);
    });

    it('statements: list and detail of a card where the market offers them; never called in the US', async () => {
      const card = accounts.find((a) => a.accountType === 'creditCard')!;
      const list = await collect(client.statements(tokens, card.accountId));
      if (country === 'US') {
        expect(list).toEqual([]);
        expect(Object.keys(sb.stats().byRoute).some((r) => r.includes('statements'))).toBe(false);
        return;
      }
      expect(list.length).toBeGreaterThan(0);
      const s = await client.statement(tokens, card.accountId, list[0]!.statementId);
      expect(s.statementId).toBe(list[0]!.statementId);
      expect(s.statementDate).toBe(list[0]!.statementDate);
      for (const v of [s.beginningBalance, s.endingBalance, s.totalDebits, s.totalCredits, s.minimumDue, s.creditLimit, s.pastDue]) {
        expect(v).toMatch(/^-?\d+(\.\d+)?$/);
      }
      expect(s.transactions.every((t) => t.status === 'posted' && t.postingDate! <= s.statementDate!)).toBe(true);
    });
  });

  describe('contract: window limits (§4)', () => {
    async function raw(accountId: string, from: string, to: string): Promise<number> {
      const r = await request(`${sb.url}${transactionsPath(sb, accountId)}?transactionFromDate=${from}&transactionToDate=${to}`, {
        headers: { authorization: `Bearer ${tokens.set.accessToken}`, client_id: sb.clientId, uuid: randomUUID(), accept: 'application/json' },
      });
      await r.body.text();
      return r.statusCode;
    }

    it('history reaches back to the dialect’s limit and not a day further; nothing after the bank’s date', async () => {
      const acct = accounts.find((a) => a.accountType === 'checking')!;
      const card = accounts.find((a) => a.accountType === 'creditCard')!;
      expect(await raw(acct.accountId, HISTORY_FROM, country === 'US' ? TODAY : lastDayOfWindow(HISTORY_FROM, 'checking'))).toBe(200);
      expect(await raw(acct.accountId, addDays(HISTORY_FROM, -1), addDays(HISTORY_FROM, 10))).toBe(400);
      expect(await raw(acct.accountId, TODAY, addDays(TODAY, 1))).toBe(400);
      // US cards: no window limit (the whole history in one call); Asia-Pacific: 90 days.
      expect(await raw(card.accountId, HISTORY_FROM, TODAY)).toBe(country === 'US' ? 200 : 400);
    });

    it.runIf(country !== 'US').each([
      ['creditCard', '2026-08-28'],
      ['creditCard', '2026-02-28'],
    ])('the longest %s window from %s is accepted; one day more is a 400', async (type, from) => {
      const acct = accounts.find((a) => a.accountType === type)!;
      const last = lastDayOfWindow(from, type);
      expect(await raw(acct.accountId, from, last)).toBe(200);
      expect(await raw(acct.accountId, from, addDays(last, 1))).toBe(400);
    });

    it.runIf(country !== 'US')('the client refuses an over-long window itself; a 400 from Citi is AccountUnavailableError', async () => {
      const card = accounts.find((a) => a.accountType === 'creditCard')!;
      await expect(collect(client.transactions(tokens, card, '2026-01-01', '2026-06-01'))).rejects.toThrow(RangeError);
      // Pretend the card is a checking account: the client allows 12 months, Citi answers 400.
      const err = await failure(collect(client.transactions(tokens, { ...card, accountType: 'checking' }, '2026-01-01', '2026-06-01')));
      expect(err).toBeInstanceOf(AccountUnavailableError);
      expect((err as AccountUnavailableError).status).toBe(400);
    });
  });

  describe('contract: request headers (§2)', () => {
    it('every request carried the four headers and a fresh uuid', () => {
      const st = sb.stats();
      expect(st.requests).toBeGreaterThan(country === 'US' ? 10 : 50);
      expect(st).toMatchObject({ missingUuid: 0, duplicateUuid: 0, missingHeaders: 0 });
    });
  });
});
