import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type TruthAccount } from '../../src/sandbox/index.ts';
import { get, isoAddDays, pageAll, rowsOf, TODAY } from './client.ts';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

const decimals = (n: number): number => (String(n).split('.')[1] ?? '').length;
const byGroup = (accounts: TruthAccount[], group: string, currency = 'USD') => accounts.find((a) => a.group === group && a.currencyCode === currency && a.status === 'ACTIVE' && a.transactions.length > 0)!;

describe('generated data', () => {
  it('is deterministic from the seed', async () => {
    const a = await startSandbox({ seed: 5, today: TODAY });
    const b = await startSandbox({ seed: 5, today: TODAY });
    const c = await startSandbox({ seed: 6, today: TODAY });
    try {
      expect(b.truth()).toEqual(a.truth());
      expect(b.users).toEqual(a.users);
      expect(b.clientId).toBe(a.clientId);
      expect(c.truth()).not.toEqual(a.truth());
      a.advance(10);
      b.advance(10);
      expect(b.truth()).toEqual(a.truth());
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('keeps amounts exact in each currency’s minor units and signs as the contract says', async () => {
    sb = await startSandbox({ today: TODAY });
    const accounts = sb.truth('user-1').accounts;
    const maxDecimals: Record<string, number> = { USD: 2, JPY: 0, BHD: 3 };
    for (const a of accounts) {
      for (const t of a.transactions) {
        expect(decimals(t.amount)).toBeLessThanOrEqual(maxDecimals[a.currencyCode]!);
        // US v2: every row a magnitude with its direction in debitCreditMemo, cards included.
        expect(t.amount).toBeGreaterThan(0);
        expect(['DEBIT', 'CREDIT']).toContain(t.raw.debitCreditMemo);
        expect(t.signedAmount).toBe(String(t.raw.debitCreditMemo === 'CREDIT' ? t.amount : -t.amount));
      }
    }
    expect(byGroup(accounts, 'CHECKING', 'BHD').transactions.some((t) => decimals(t.amount) === 3)).toBe(true);
    const card = byGroup(accounts, 'CREDIT_CARD');
    for (const t of card.transactions) {
      const type = t.raw.transactionType as string;
      if (type === 'PAYMENT' || type === 'CREDIT') expect(Number(t.signedAmount)).toBeGreaterThan(0);
      else expect(Number(t.signedAmount)).toBeLessThan(0);
    }
    expect(card.transactions.some((t) => t.raw.transactionType === 'PAYMENT')).toBe(true);
  });

  it('Asia-Pacific: card payments and credits are negative amounts without a memo', async () => {
    sb = await startSandbox({ country: 'AU', today: TODAY });
    const card = byGroup(sb.truth('user-1').accounts, 'CREDIT_CARD', 'AUD');
    for (const t of card.transactions) {
      expect(t.raw).not.toHaveProperty('debitCreditMemo');
      const type = t.raw.transactionType as string;
      if (type === 'PAYMENT' || type === 'CREDIT') expect(t.amount).toBeLessThan(0);
      else expect(t.amount).toBeGreaterThan(0);
      expect(t.signedAmount).toBe(String(-t.amount));
    }
  });

  it('per market: home currency, array key, India reference ids, HK savings group, 12 months of history', async () => {
    const expectations = [
      { country: 'SG', currency: 'SGD', key: 'transaction', id: 'transactionId', savings: 'SAVINGS' },
      { country: 'IN', currency: 'INR', key: 'transactions', id: 'transactionReferenceId', savings: 'SAVINGS' },
      { country: 'HK', currency: 'HKD', key: 'checkingAccountTransactions', id: 'transactionId', savings: 'SAVINGS_AND_INVESTMENTS' },
    ];
    for (const e of expectations) {
      const s = await startSandbox({ country: e.country, today: TODAY, profile: { users: 1 } });
      try {
        const accounts = s.truth('user-1').accounts;
        expect(accounts.filter((a) => a.currencyCode === e.currency)).toHaveLength(6);
        expect(accounts.map((a) => a.group).sort()).toEqual(['CHECKING', 'CHECKING', 'CHECKING', 'CREDIT_CARD', 'LOANS', 'SAVINGS', 'SAVINGS', 'SAVINGS']);
        expect(accounts.find((a) => a.group === 'SAVINGS')!.accountGroup).toBe(e.savings);
        expect(Object.keys(accounts[0]!.served)).toContain(e.country === 'HK' ? 'accountNickName' : 'accountNickname');
        const checking = accounts[0]!;
        const oldest = checking.transactions.at(-1)!.transactionDate;
        expect(oldest >= '2025-11-25').toBe(true);
        const token = (await s.issueTokens('user-1')).access_token;
        const r = await get(s, `/v1/accounts/${checking.accountId}/transactions?transactionFromDate=2026-11-01&transactionToDate=${TODAY}`, token);
        expect(Object.keys(r.json).sort()).toEqual(['nextStartIndex', e.key].sort());
        const posted = rowsOf(r.json).find((x) => x.transactionStatus === 'POSTED')!;
        expect(posted[e.id]).toEqual(expect.any(String));
        if (e.id !== 'transactionId') expect(posted).not.toHaveProperty('transactionId');
        expect(checking.transactions.find((t) => t.raw === undefined)).toBeUndefined();
        expect(checking.transactions.filter((t) => t.transactionId !== null).length).toBe(checking.transactions.length);
        // Statements in every Asia-Pacific market; India's statement rows carry transactionReferenceId too.
        const card = accounts.find((a) => a.group === 'CREDIT_CARD')!;
        const list = (await get(s, `/v1/accounts/${card.accountId}/statements`, token)).json.statementList as Array<{ statementId: string }>;
        const detail = await get(s, `/v1/accounts/${card.accountId}/statements/${list[0]!.statementId}`, token);
        const rows = (detail.json.creditCardStatement as { transactions: Array<Record<string, unknown>> }).transactions;
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(row[e.id]).toEqual(expect.any(String));
      } finally {
        await s.close();
      }
    }
  });

  it('has merchants with MCCs, monthly subscriptions, foreign rows, unicode, extra fields, checks, pendings', async () => {
    sb = await startSandbox({ today: TODAY, profile: { users: 3 } });
    const all = sb.truth().accounts;
    const rows = all.flatMap((a) => a.transactions);
    const mccs = new Set(rows.map((t) => t.raw.merchantCategory));
    for (const m of ['5411', '5812', '5814', '5542', '4511', '7011', '4899', '4900', '5912']) expect(mccs).toContain(m);
    const card = byGroup(all, 'CREDIT_CARD');
    // A subscription: same merchant, same amount, about monthly, for the whole history.
    const netflixLike = new Map<string, string[]>();
    for (const t of card.transactions.filter((x) => x.raw.merchantCategory === '4899' && x.status !== 'PENDING')) {
      const key = `${String(t.raw.transactionDescription)}|${t.amount}`;
      netflixLike.set(key, [...(netflixLike.get(key) ?? []), t.transactionDate]);
    }
    const longest = Math.max(0, ...[...netflixLike.values()].map((v) => v.length));
    expect(longest).toBeGreaterThanOrEqual(22);
    const foreign = rows.find((t) => t.raw.foreignCurrencyCode);
    expect(foreign?.raw).toMatchObject({ foreignTransactionAmount: expect.any(Number), foreignExchangeRate: expect.any(Number) });
    expect(rows.some((t) => /[^\u0020-\u007e]/.test(String(t.raw.transactionDescription)))).toBe(true);
    expect(rows.some((t) => String(t.raw.transactionDescription).includes('\u0000'))).toBe(false);
    expect(rows.some((t) => 'eligibleForEqualPaymentPlan' in t.raw)).toBe(true);
    expect(rows.some((t) => typeof t.raw.checkNumber === 'number')).toBe(true);
    const pendings = rows.filter((t) => t.status === 'PENDING');
    expect(pendings.length).toBeGreaterThan(0);
    for (const p of pendings) {
      expect(p.postingDate).toBeNull();
      expect(p.raw.transactionAuthorizationCode).toEqual(expect.any(String));
      expect(p.transactionDate >= isoAddDays(TODAY, -3)).toBe(true);
    }
    expect(card.transactions.some((t) => t.postingDate !== null && t.raw.transactionAuthorizationCode)).toBe(true);
    const closed = all.find((a) => a.status === 'CLOSED')!;
    expect(closed.transactions.length).toBeGreaterThan(0);
    expect(closed.currentBalance).toBe(0);
  });

  it('scales: 100 accounts x 10,000 transactions in a few seconds', async () => {
    const t0 = performance.now();
    sb = await startSandbox({ today: TODAY, rateLimit: false, profile: { users: 1, accountsPerUser: 100, transactionsPerAccount: 10_000 } });
    const ms = performance.now() - t0;
    const counts = sb.truth().accounts.map((a) => a.transactions.length);
    const total = counts.reduce((s, n) => s + n, 0);
    expect(total).toBeGreaterThan(900_000);
    expect(total).toBeLessThan(1_100_000);
    expect(ms).toBeLessThan(10_000);
    const token = (await sb.issueTokens('user-1')).access_token;
    const t1 = performance.now();
    // US v2: a year of a busy account in ONE answer (no paging is declared).
    const { rows, pages } = await pageAll(sb, token, sb.users[0]!.accountIds[0]!, '2025-11-26', TODAY);
    expect(rows.length).toBeGreaterThan(4000);
    expect(pages).toBe(1);
    expect(performance.now() - t1).toBeLessThan(5000);
  }, 60_000);
});

describe('advance()', () => {
  // Asia-Pacific: pending rows have ids there, so the id change on posting is visible.
  it('posts pendings under new ids, mostly with the same auth code; some vanish; new ones appear', async () => {
    sb = await startSandbox({ country: 'AU', today: TODAY, profile: { users: 6 } });
    const before = sb.truth().accounts.flatMap((a) => a.transactions);
    const pendings = before.filter((t) => t.status === 'PENDING');
    sb.advance(5);
    expect(sb.today()).toBe(isoAddDays(TODAY, 5));
    const after = sb.truth().accounts.flatMap((a) => a.transactions);
    const afterIds = new Set(after.map((t) => t.transactionId));
    for (const p of pendings) expect(afterIds.has(p.transactionId)).toBe(false);
    const postedByAuth = new Map(after.filter((t) => t.status === 'POSTED').map((t) => [`${t.accountId}|${String(t.raw.transactionAuthorizationCode)}`, t]));
    const matched = pendings.filter((p) => postedByAuth.has(`${p.accountId}|${String(p.raw.transactionAuthorizationCode)}`));
    for (const p of matched) {
      const posted = postedByAuth.get(`${p.accountId}|${String(p.raw.transactionAuthorizationCode)}`)!;
      expect(posted.transactionId).not.toBe(p.transactionId);
      expect(posted.transactionDate).toBe(p.transactionDate);
      expect(posted.postingDate! > p.transactionDate || posted.postingDate === p.transactionDate).toBe(true);
    }
    expect(matched.length).toBeGreaterThan(pendings.length * 0.6);
    expect(matched.length).toBeLessThan(pendings.length);
    expect(after.some((t) => t.status === 'PENDING' && t.transactionDate > TODAY)).toBe(true);
    // Posted rows from before are still there, unchanged (no correction can be this fast... or rarely is).
    const beforePosted = before.filter((t) => t.status === 'POSTED');
    const afterById = new Map(after.map((t) => [t.transactionId, t]));
    const changed = beforePosted.filter((t) => JSON.stringify(afterById.get(t.transactionId)?.raw) !== JSON.stringify(t.raw));
    expect(changed.length).toBeLessThan(beforePosted.length * 0.01);
    for (const c of changed) expect(String(afterById.get(c.transactionId)!.raw.transactionDescription)).toMatch(/ - ADJUSTED$/);
  });

  it('over months: pendings vanish at about 5%, statements are issued, rare corrections keep the id', async () => {
    sb = await startSandbox({ country: 'AU', today: TODAY, profile: { users: 3 } });
    const card = sb.truth('user-1').accounts.find((a) => a.group === 'CREDIT_CARD')!;
    const token = (await sb.issueTokens('user-1')).access_token;
    const statementsBefore = ((await get(sb, `/v1/accounts/${card.accountId}/statements`, token)).json.statementList as unknown[]).length;
    const seenPending = new Map<string, string>();
    const ids = new Set<string>();
    for (let d = 0; d < 60; d++) {
      for (const a of sb.truth().accounts) for (const t of a.transactions) {
        if (t.status === 'PENDING') seenPending.set(`${a.accountId}|${String(t.raw.transactionAuthorizationCode)}`, t.transactionId!);
        ids.add(t.transactionId!);
      }
      sb.advance(1);
    }
    const final = sb.truth().accounts.flatMap((a) => a.transactions);
    const postedAuth = new Set(final.filter((t) => t.status === 'POSTED').map((t) => `${t.accountId}|${String(t.raw.transactionAuthorizationCode)}`));
    const stillPending = new Set(final.filter((t) => t.status === 'PENDING').map((t) => t.transactionId));
    const resolved = [...seenPending].filter(([, id]) => !stillPending.has(id));
    const notPosted = resolved.filter(([k]) => !postedAuth.has(k)).length / resolved.length;
    // Vanished (5%) plus posted without the auth code (10%).
    expect(notPosted).toBeGreaterThan(0.05);
    expect(notPosted).toBeLessThan(0.3);
    const statementsAfter = ((await get(sb, `/v1/accounts/${card.accountId}/statements`, token)).json.statementList as unknown[]).length;
    expect(statementsAfter - statementsBefore).toBe(2);
    expect(final.filter((t) => String(t.raw.transactionDescription).endsWith(' - ADJUSTED')).length).toBeGreaterThan(0);
  });
});

describe('shapes (contract §6), Asia-Pacific', () => {
  it('noIds drops transactionId and keeps identical same-day purchases as two rows', async () => {
    sb = await startSandbox({ country: 'AU', today: TODAY });
    const token = (await sb.issueTokens('user-1')).access_token;
    const card = sb.truth('user-1').accounts.find((a) => a.group === 'CREDIT_CARD')!;
    sb.setAccountShape(card.accountId, 'noIds');
    const { rows } = await pageAll(sb, token, card.accountId, isoAddDays(TODAY, -60), TODAY);
    expect(rows.every((r) => !('transactionId' in r))).toBe(true);
    const seen = new Map<string, number>();
    for (const r of rows) seen.set(JSON.stringify(r), (seen.get(JSON.stringify(r)) ?? 0) + 1);
    expect(Math.max(...seen.values())).toBeGreaterThanOrEqual(2);
    expect(sb.truth('user-1').accounts.find((a) => a.accountId === card.accountId)!.transactions[0]!.transactionId).toBeNull();
  });

  it('billedStatus says BILLED/UNBILLED for posted card rows', async () => {
    sb = await startSandbox({ country: 'AU', today: TODAY });
    const token = (await sb.issueTokens('user-1')).access_token;
    const card = sb.truth('user-1').accounts.find((a) => a.group === 'CREDIT_CARD')!;
    sb.setAccountShape(card.accountId, 'billedStatus');
    const { rows } = await pageAll(sb, token, card.accountId, isoAddDays(TODAY, -89), TODAY);
    const statuses = new Set(rows.map((r) => r.transactionStatus));
    expect(statuses).toEqual(new Set(['PENDING', 'BILLED', 'UNBILLED']));
    for (const r of rows) if (r.transactionStatus !== 'PENDING') expect(r.transactionPostingDate).toBeDefined();
  });

  it('singleObject puts one object (not an array) under the key, one row per page', async () => {
    sb = await startSandbox({ country: 'AU', today: TODAY, rateLimit: false });
    const token = (await sb.issueTokens('user-1')).access_token;
    const acct = sb.users[0]!.accountIds[0]!;
    sb.setAccountShape(acct, 'singleObject');
    const r = await get(sb, `/v1/accounts/${acct}/transactions?transactionFromDate=2026-11-01&transactionToDate=${TODAY}`, token);
    expect(Array.isArray(r.json.checkingAccountTransactions)).toBe(false);
    expect(r.json.checkingAccountTransactions).toMatchObject({ accountId: acct });
    expect(r.json.nextStartIndex).toBe('1');
    const { rows } = await pageAll(sb, token, acct, '2026-11-01', TODAY);
    sb.setAccountShape(acct, 'normal');
    expect(rows).toEqual((await pageAll(sb, token, acct, '2026-11-01', TODAY)).rows);
  });
});
