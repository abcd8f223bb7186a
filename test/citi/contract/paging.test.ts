import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountUnavailableError, lastDayOfWindow, type CitiAccount, type CitiClient } from '../../../src/citi/index.ts';
import type { Sandbox } from '../../../src/sandbox/index.ts';
import { HISTORY_FROM, MemoryTokens, TODAY, clientFor, collect, expectedSigned, failure, fullHistory, sandbox } from './helpers.ts';

let sb: Sandbox;
let client: CitiClient;
let tokens: MemoryTokens;
let accounts: CitiAccount[];

beforeAll(async () => {
  sb = await sandbox();
  client = clientFor(sb);
  tokens = await MemoryTokens.issue(sb, client, sb.users[0]!.userId);
  accounts = await collect(client.accounts(tokens));
});

afterAll(async () => {
  await client?.close();
  await sb?.close();
});

describe('contract: paging to the end (§3, §4, §5)', () => {
  it('accounts: every account of the user, across pages, typed from the summary key', () => {
    const truth = sb.truth(sb.users[0]!.userId).accounts;
    expect(truth.length).toBeGreaterThan(5); // more than one accounts page (5 a page)
    // Within a page the API groups accounts by type, so order is not truth's order.
    const got = [...accounts].sort((a, b) => a.accountId.localeCompare(b.accountId));
    const want = [...truth].sort((a, b) => a.accountId.localeCompare(b.accountId));
    expect(got.map((a) => [a.accountId, a.accountType, a.accountGroup, a.currencyCode, a.status])).toEqual(
      want.map((t) => [t.accountId, t.type, t.group, t.currencyCode, t.status]),
    );
    for (const [i, t] of want.entries()) {
      expect(got[i]?.currentBalance).toBe(String(t.currentBalance));
      expect(got[i]?.availableBalance).toBe(t.availableBalance === null ? null : String(t.availableBalance));
    }
    expect(accounts.some((a) => a.accountId.length === 128)).toBe(true);
  });

  it('transactions: each account’s whole history equals truth (ids, signed exact amounts, raw)', async () => {
    const truth = sb.truth(sb.users[0]!.userId).accounts;
    for (const acct of accounts) {
      const t = truth.find((x) => x.accountId === acct.accountId)!;
      const rows = await fullHistory(client, tokens, acct);
      const inHistory = t.transactions.filter((x) => x.transactionDate >= HISTORY_FROM && x.transactionDate <= TODAY);
      expect(rows.length, acct.accountId).toBe(inHistory.length);
      const byId = new Map(rows.map((r) => [r.transactionId, r]));
      expect(byId.size).toBe(rows.length);
      for (const x of inHistory) {
        const r = byId.get(x.transactionId!);
        expect(r, x.transactionId!).toBeDefined();
        expect(r!.amount).toBe(expectedSigned(acct.accountType, x.raw));
        expect(r!.raw).toEqual(x.raw); // unknown fields included
        expect(r!.status).toBe(x.status === 'PENDING' ? 'pending' : 'posted');
        expect(r!.postingDate).toBe(x.postingDate);
        expect(r!.currencyCode).toBe(acct.currencyCode);
      }
    }
  });

  it('yields each page with the cursor it was fetched with and the one to send next', async () => {
    const acct = accounts.find((a) => a.accountType === 'checking' && a.currencyCode === 'USD')!;
    const pages = await collect(client.transactionPages(tokens, acct, '2025-11-26', TODAY));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]!.startIndex).toBeNull();
    for (let i = 1; i < pages.length; i++) expect(pages[i]!.startIndex).toBe(pages[i - 1]!.nextStartIndex);
    expect(pages.at(-1)!.nextStartIndex).toBeNull();
    // Resuming from a checkpoint yields exactly the remaining pages.
    const resumed = await collect(client.transactionPages(tokens, acct, '2025-11-26', TODAY, { startIndex: pages[1]!.startIndex! }));
    expect(resumed.map((p) => p.rows.map((r) => r.transactionId))).toEqual(pages.slice(1).map((p) => p.rows.map((r) => r.transactionId)));
  });

  it('statements: list and detail of a card, with exact decimal balances', async () => {
    const card = accounts.find((a) => a.accountType === 'creditCard')!;
    const list = await collect(client.statements(tokens, card.accountId));
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
    const r = await request(`${sb.url}/v1/accounts/${encodeURIComponent(accountId)}/transactions?transactionFromDate=${from}&transactionToDate=${to}`, {
      headers: { authorization: `Bearer ${tokens.set.accessToken}`, client_id: sb.clientId, uuid: randomUUID(), accept: 'application/json' },
    });
    await r.body.text();
    return r.statusCode;
  }

  it.each([
    ['checking', '2025-11-26'],
    ['checking', '2024-02-29'],
    ['creditCard', '2026-08-28'],
    ['creditCard', '2025-12-31'],
  ])('the longest %s window from %s is accepted; one day more is a 400', async (type, from) => {
    const acct = accounts.find((a) => a.accountType === type)!;
    const last = lastDayOfWindow(from, type);
    expect(await raw(acct.accountId, from, last)).toBe(200);
    const next = new Date(Date.parse(`${last}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    // Month-end clamping makes our limit a day short in rare cases; a 400 must start within 2 days.
    const over = new Date(Date.parse(`${next}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect([await raw(acct.accountId, from, next), await raw(acct.accountId, from, over)]).toContain(400);
  });

  it('the client refuses an over-long window itself; a 400 from Citi is AccountUnavailableError', async () => {
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
    expect(st.requests).toBeGreaterThan(50);
    expect(st).toMatchObject({ missingUuid: 0, duplicateUuid: 0, missingHeaders: 0 });
  });
});
