import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type TruthAccount } from '../../src/sandbox/index.ts';
import { get, isoAddDays, pageAll, postForm, rowsOf, TODAY } from './client.ts';

let sb: Sandbox;
let token: string;
let truth: TruthAccount[];
beforeAll(async () => {
  sb = await startSandbox({ today: TODAY, rateLimit: false, profile: { users: 3, usersWithoutAccounts: 1 } });
  token = (await sb.issueTokens('user-1')).access_token;
  truth = sb.truth('user-1').accounts;
});
afterAll(() => sb.close());

const kind = (group: string) => truth.find((a) => a.group === group && a.status === 'ACTIVE')!;
const FROM = isoAddDays(TODAY, -729); // the first day a US from-date may name (24 months inclusive)

describe('US v2 accounts', () => {
  it('is the default market: US token path only, /v1 is the gateway 404', async () => {
    expect(sb.country).toBe('US');
    expect((await postForm(sb, '/authCode/oauth2/token/sg/gcb', { grant_type: 'authorization_code', code: 'x' })).status).toBe(404);
    expect((await postForm(sb, '/authCode/oauth2/token/us/gcb', { grant_type: 'authorization_code', code: 'x' })).status).toBe(400);
    const v1 = await get(sb, '/v1/accounts', token);
    expect([v1.status, v1.json]).toEqual([404, { httpCode: '404', httpMessage: 'Not Found', moreInformation: 'No resources match requested URI' }]);
  });

  it('GET /v2/accounts/details: accountGroupDetails with all seven kinds, exactly as truth serves them', async () => {
    const r = await get(sb, '/v2/accounts/details', token);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['accountGroupDetails', 'customer']);
    expect((r.json.customer as { customerId: string }).customerId).toMatch(/^[0-9a-f]{128}$/);
    const groups = r.json.accountGroupDetails as Array<Record<string, unknown>>;
    expect(groups.map((g) => g.accountGroup).sort()).toEqual(['BROKERAGE', 'CHECKING', 'CREDITCARD', 'LINEOFCREDIT', 'LOAN', 'RETIREMENT', 'SAVINGS']);
    const arrays = groups.flatMap((g) => Object.keys(g).filter((k) => k.endsWith('AccountsDetails')));
    expect(arrays.sort()).toEqual([
      'brokerageAccountsDetails', 'checkingAccountsDetails', 'creditCardAccountsDetails', 'lineOfCreditAccountsDetails',
      'loanAccountsDetails', 'retirementAccountsDetails', 'savingsAccountsDetails',
    ]);
    const served = groups.flatMap((g) => Object.entries(g).filter(([k]) => k.endsWith('AccountsDetails')).flatMap(([, v]) => v as Array<Record<string, unknown>>));
    expect(served.map((a) => a.accountId).sort()).toEqual([...sb.users[0]!.accountIds].sort());
    for (const a of served) expect(a).toEqual(truth.find((t) => t.accountId === a.accountId)!.served);
  });

  it('fields per kind: balanceType, loan principal, no currencyCode/accountStatus where Citi sends none', () => {
    expect(kind('CHECKING').served).toMatchObject({ balanceType: 'ASSET', currencyCode: 'USD', accountStatus: 'ACTIVE' });
    const card = kind('CREDIT_CARD').served;
    expect(card.balanceType).toBe('LIABILITY');
    expect(Object.keys(card)).toEqual(expect.arrayContaining(['currentBalance', 'availableCredit', 'creditLimit', 'minimumDueAmount', 'paymentDueDate', 'lastStatementBalance']));
    expect(card).not.toHaveProperty('outstandingBalance');
    const loan = kind('LOANS').served;
    expect(loan).toMatchObject({ balanceType: 'LIABILITY', currencyCode: 'USD', currentBalanceAmount: kind('LOANS').currentBalance });
    expect(loan).not.toHaveProperty('accountStatus');
    expect(loan).not.toHaveProperty('currentBalance');
    expect(kind('LINE_OF_CREDIT').served).toMatchObject({ accountStatus: 'ACTIVE', balanceType: 'LIABILITY' });
    expect(Object.keys(kind('LINE_OF_CREDIT').served)).toEqual(expect.arrayContaining(['creditAvailableAmount', 'currentBalanceAmount', 'paymentDueAmount']));
    for (const g of ['BROKERAGE', 'RETIREMENT']) {
      expect(kind(g).served).not.toHaveProperty('currencyCode');
      expect(kind(g).served).not.toHaveProperty('accountStatus');
      expect(kind(g).served.balanceType).toBe('ASSET');
    }
  });

  it('brokerage: holdings that add up, and totalPortfolioBalanceAmount as an exact decimal STRING', () => {
    const b = kind('BROKERAGE');
    const holdings = b.served.accountHoldings as Array<Record<string, number | string>>;
    expect(holdings.length).toBeGreaterThanOrEqual(3);
    const cents = (n: unknown) => Math.round(Number(n) * 100);
    for (const h of holdings) {
      expect(Object.keys(h)).toEqual(expect.arrayContaining(['symbol', 'cusip', 'quantity', 'price', 'totalValueAmount', 'currencyCode', 'asOfDateTime']));
      expect(cents(h.totalValueAmount)).toBe(Math.round(Number(h.quantity) * Number(h.price) * 100));
      expect(h.asOfDateTime).toBe(`${TODAY}T21:00:00.000+0000`);
    }
    const total = b.served.totalPortfolioBalanceAmount;
    expect(total).toMatch(/^\d+\.\d{2}$/);
    expect(cents(total)).toBe(holdings.reduce((s, h) => s + cents(h.totalValueAmount), 0) + cents(b.currentBalance));
    expect(b.balances).toMatchObject({ portfolioValue: total, current: null, principal: null });
    expect(b.holdings.map((h) => [h.kind, h.key, h.value, h.asOfDate])).toEqual(holdings.map((h) => ['holding', h.symbol, String(h.totalValueAmount), TODAY]));
    expect(b.transactions).toEqual([]);
  });

  it('retirement: plan components and accountValue; prices and values move with the world day', () => {
    const r = kind('RETIREMENT');
    const comps = r.served.retirementPlanComponents as Array<Record<string, unknown>>;
    expect(comps.length).toBeGreaterThanOrEqual(1);
    expect(Math.round(Number(r.served.accountValue) * 100)).toBe(comps.reduce((s, c) => s + Math.round(Number(c.totalValueAmount) * 100), 0));
    expect(r.holdings.every((h) => h.kind === 'plan-component' && h.key === h.name)).toBe(true);
    expect(r.balances.portfolioValue).toBe(String(r.served.accountValue));
  });

  it('the older GET /v2/accounts: accountGroupSummary[].{type}AccountsSummary[]', async () => {
    const r = await get(sb, '/v2/accounts', token);
    const groups = r.json.accountGroupSummary as Array<Record<string, unknown>>;
    const card = groups.find((g) => g.accountGroup === 'CREDITCARD')!;
    expect(Object.keys(card).sort()).toEqual(['accountGroup', 'creditCardAccountsSummary']);
    expect((card.creditCardAccountsSummary as unknown[])[0]).toEqual(kind('CREDIT_CARD').served);
  });

  it('a customer without accounts: 400 noAccounts in an errors[] body', async () => {
    const none = sb.users.at(-1)!;
    expect(none.accountIds).toEqual([]);
    const t = (await sb.issueTokens(none.userId)).access_token;
    for (const path of ['/v2/accounts/details', '/v2/accounts']) {
      const r = await get(sb, path, t);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ errors: [expect.objectContaining({ type: 'error', code: 'noAccounts' })] });
    }
  });
});

describe('US v2 transactions', () => {
  it('the whole window in one answer, keyed by kind, exactly as truth has it', async () => {
    for (const acct of truth.filter((a) => a.transactions.length > 0)) {
      const r = await get(sb, `/v2/accounts/${acct.accountId}/transactions?transactionFromDate=${FROM}&transactionToDate=${TODAY}`, token);
      expect(r.status).toBe(200);
      expect(Object.keys(r.json)).toEqual([`${acct.type}AccountTransactions`]);
      expect(rowsOf(r.json)).toEqual(acct.transactions.filter((t) => t.transactionDate >= FROM).map((t) => t.raw));
    }
  });

  it('pending rows carry no transactionId; every row has debitCreditMemo and a positive amount; cards say BILLED/UNBILLED', () => {
    const card = kind('CREDIT_CARD');
    const rows = card.transactions;
    const pending = rows.filter((t) => t.status === 'PENDING');
    expect(pending.length).toBeGreaterThan(0);
    for (const t of pending) {
      expect(t.raw).not.toHaveProperty('transactionId');
      expect(t.transactionId).toBeNull();
    }
    expect(new Set(rows.map((t) => t.status))).toEqual(new Set(['PENDING', 'BILLED', 'UNBILLED']));
    for (const acct of truth) {
      for (const t of acct.transactions) {
        expect(t.amount).toBeGreaterThan(0);
        expect(t.signedAmount).toBe(String(t.raw.debitCreditMemo === 'CREDIT' ? t.amount : -t.amount));
      }
    }
    // A card payment: a positive amount with memo CREDIT (contract §4 "Signs").
    const payment = rows.find((t) => t.raw.transactionType === 'PAYMENT')!;
    expect(payment.raw.debitCreditMemo).toBe('CREDIT');
    expect(new Set(rows.map((t) => t.raw.transactionType))).toContain('PURCHASE');
    for (const t of rows) expect(['PAYMENT', 'PURCHASE', 'CASH_ADVANCES', 'FEES', 'INTEREST_CHARGES', 'ADJUSTMENT', 'CREDIT']).toContain(t.raw.transactionType);
  });

  it('204 No Content for an empty window, and for accounts without transactions', async () => {
    const empty = truth.find((a) => a.group === 'SAVINGS' && a.transactions.length === 0)!;
    for (const id of [empty.accountId, kind('BROKERAGE').accountId, kind('RETIREMENT').accountId]) {
      const r = await get(sb, `/v2/accounts/${id}/transactions?transactionFromDate=${FROM}&transactionToDate=${TODAY}`, token);
      expect([r.status, r.text]).toEqual([204, '']);
    }
  });

  it("date rules with the spec's codes, against the bank's date; errors[] bodies", async () => {
    const id = kind('CHECKING').accountId;
    const code = async (q: string) => {
      const r = await get(sb, `/v2/accounts/${id}/transactions?${q}`, token);
      expect(r.status).toBe(400);
      expect(Object.keys(r.json)).toEqual(['errors']);
      return (r.json.errors as Array<{ code: string }>)[0]!.code;
    };
    expect(await code(`transactionFromDate=${isoAddDays(FROM, -1)}&transactionToDate=${TODAY}`)).toBe('tranxFromDate2YrsPriorToCurrDate');
    expect(await code(`transactionFromDate=${TODAY}&transactionToDate=${isoAddDays(TODAY, 1)}`)).toBe('tranxToDateAfterCurrDate');
    expect(await code(`transactionFromDate=${TODAY}&transactionToDate=${isoAddDays(TODAY, -1)}`)).toBe('transactionFromToDateComboInvalid');
    expect(await code(`transactionFromDate=2026-02-30&transactionToDate=${TODAY}`)).toBe('invalidTransactionFromDate');
    expect(await code(`transactionFromDate=${TODAY}&transactionToDate=26-11-25`)).toBe('invalidTransactionToDate');
    expect(await code(`transactionToDate=${TODAY}`)).toBe('invalidRequest');
    // Older apps' extra parameters are accepted and change nothing.
    const extra = await get(sb, `/v2/accounts/${id}/transactions?transactionFromDate=${FROM}&transactionToDate=${TODAY}&transactionStatus=ALL&requestSize=1000`, token);
    expect(extra.status).toBe(200);
    sb.advance(1);
    try {
      const next = await get(sb, `/v2/accounts/${id}/transactions?transactionFromDate=${TODAY}&transactionToDate=${isoAddDays(TODAY, 1)}`, token);
      expect(next.status).toBe(200);
    } finally {
      truth = sb.truth('user-1').accounts;
    }
  });

  it('no statements in the US: the gateway 404; another user’s account: 404 resourceNotFound in errors[]', async () => {
    const card = kind('CREDIT_CARD').accountId;
    const st = await get(sb, `/v1/accounts/${card}/statements`, token);
    expect([st.status, st.json.httpCode]).toEqual([404, '404']);
    expect((await get(sb, `/v2/accounts/${card}/statements`, token)).status).toBe(404);
    const other = sb.users[1]!.accountIds[0]!;
    const r = await get(sb, `/v2/accounts/${other}/transactions?transactionFromDate=${TODAY}&transactionToDate=${TODAY}`, token);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ errors: [expect.objectContaining({ code: 'resourceNotFound' })] });
    expect((await get(sb, '/v2/accounts/details', 'nope')).json).toEqual({ errors: [expect.objectContaining({ code: 'unAuthorized' })] });
  });

  it("singleObject: one object per answer with a nextStartIndex to follow (the client must follow it if it appears)", async () => {
    const checking = kind('CHECKING');
    sb.setAccountShape(checking.accountId, 'singleObject');
    try {
      const from = isoAddDays(TODAY, -20);
      const { rows, pages } = await pageAll(sb, token, checking.accountId, from, TODAY);
      const expected = sb.truth('user-1').accounts.find((a) => a.accountId === checking.accountId)!.transactions.filter((t) => t.transactionDate >= from && t.transactionDate <= TODAY);
      expect(pages).toBe(expected.length);
      expect(rows).toEqual(expected.map((t) => t.raw));
    } finally {
      sb.setAccountShape(checking.accountId, 'normal');
    }
  });
});
