import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AccountUnavailableError,
  RetryLaterError,
  UnauthorizedError,
  directionOf,
  errorFromResponse,
  type CitiAccount,
  type HttpResponse,
} from '../../../src/citi/index.ts';
import { collect, fakeWire, SeqTokens } from './fakeWire.ts';
import {
  CARD_ID,
  LOAN_ID,
  NO_BALANCES,
  REPEATED_ID,
  RETIREMENT_ID,
  US_DOC_EXAMPLE_ACCOUNTS,
  card,
  checking,
  loan,
  retirement,
} from '../../sync/usDocExampleAccounts.ts';

/**
 * Golden tests (issue 11 item 10): every file in shared/fixtures, served on a fake wire and read by
 * the client exactly as a real answer would be, parses into the rows a person reading it expects,
 * written out here in full. Locally shared/ sits next to the checkout; CI copies it to
 * ../shared from the repo root: both are the same relative path from here.
 */
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

function text(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

/** The payload: the file itself, or its `response` (files with `_source`), as the original text. */
function payload(name: string): string {
  const t = text(name);
  const json = JSON.parse(t) as Record<string, unknown>;
  if (!('response' in json)) return t;
  // Cut the response's own text out of the file, so its numbers reach the client as written.
  const start = t.indexOf('"response"');
  const open = t.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < t.length; i++) {
    if (t[i] === '{') depth++;
    if (t[i] === '}' && --depth === 0) return t.slice(open, i + 1);
  }
  throw new Error(`unbalanced response in ${name}`);
}

const ok = (body: string): HttpResponse => ({ status: 200, headers: {}, body });

function client(country: string, respond: (path: string) => HttpResponse) {
  return fakeWire(country, (req) => respond(req.path));
}

/** An account without raw and the holdings' raw, for exact comparison. */
function shown(a: CitiAccount) {
  const { raw: _raw, ...rest } = a;
  return { ...rest, holdings: a.holdings.map(({ raw: _r, ...h }) => h) };
}

const TESTED = [
  'citi-au-token-response-2018.json',
  'citi-hk-v1-accounts-summary-mock.json',
  'citi-us-v1-card-transactions-2017.json',
  'citi-us-v2-accounts-details-doc-example.json',
  'citi-us-v2-checking-transaction-2016.json',
  'citi-us-v2-openapi-excerpts.json',
];

describe('golden: every real Citi fixture parses into its expected rows', () => {
  it('every fixture file has a golden test here', () => {
    expect(existsSync(FIXTURES)).toBe(true);
    expect(readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()).toEqual(TESTED);
  });

  it('US GET /v2/accounts/details (doc example): seven kinds, exact balances, holdings, the repeated id reported', async () => {
    const { client: us, transport } = client('US', (path) => (path === '/v2/accounts/details' ? ok(payload('citi-us-v2-accounts-details-doc-example.json')) : { status: 404, headers: {}, body: '' }));
    const listing = await us.listAccounts(new SeqTokens());
    expect(transport.requests.map((r) => r.path)).toEqual(['/v2/accounts/details']);
    // One id is listed under four kinds: the first (checking) is kept, the others reported, not merged.
    expect(listing.repeated).toEqual([{ accountId: REPEATED_ID, kept: 'checking', dropped: ['savings', 'lineOfCredit', 'brokerage'] }]);
    expect(listing.notSynced).toEqual([]);
    // The accounts the storage tests are fed (test/sync/usDocExampleAccounts.ts), raw included:
    // this golden test is what proves that hand-written list is what the client makes of the file.
    expect(listing.accounts).toEqual([checking, card, loan, retirement]);
    // Raw keeps every field as sent, the decimal-string total included.
    expect(listing.accounts[1]?.raw).toMatchObject({ purchasesAPR: 23.45, ctdPurchaseBalanceAmount: 300.25 });
    expect(listing.accounts[2]?.raw.autoPayFlag).toBe(true);
  });

  it('US doc example, the accounts the repeated id hides: brokerage with its holding, line of credit, savings', async () => {
    // Served with the repeated id made unique per kind, every kind parses on its own.
    let n = 0;
    const body = payload('citi-us-v2-accounts-details-doc-example.json').replaceAll(REPEATED_ID, () => `ID${n++}`);
    const { client: us } = client('US', () => ok(body));
    const listing = await us.listAccounts(new SeqTokens());
    expect(listing.repeated).toEqual([]);
    const ids = ['ID0', 'ID1', CARD_ID, LOAN_ID, 'ID2', 'ID3', RETIREMENT_ID];
    expect(listing.accounts.map(shown)).toEqual(US_DOC_EXAMPLE_ACCOUNTS.map((a, i) => shown({ ...a, accountId: ids[i]! })));
    const brokerage = listing.accounts[5]!;
    expect(brokerage.raw.totalPortfolioBalanceAmount).toBe('3643150.72');
    expect(brokerage.holdings[0]?.raw).toMatchObject({ changeInPrice: -0.015, holdingCategory: 'Equities' });
  });

  it('HK v1 accounts (weak mock): groups, classifications, owed balances, 9999-12-31 as none, insurance not synced', async () => {
    const { client: hk, transport } = client('HK', () => ok(payload('citi-hk-v1-accounts-summary-mock.json')));
    const listing = await hk.listAccounts(new SeqTokens());
    expect(transport.requests.map((r) => r.path)).toEqual(['/v1/accounts']);
    expect(listing.repeated).toEqual([]);
    expect(listing.accounts.map(shown)).toEqual([
      {
        accountId: 'cc_aus_01',
        accountGroup: 'CREDIT_CARD',
        accountType: 'creditCard',
        productName: 'VISA GOLD',
        productCode: '0071_VC898',
        nickname: null,
        displayAccountNumber: '4765',
        currencyCode: 'AUD',
        status: 'ACTIVE',
        classification: 'LIABILITY',
        balanceType: 'LIABILITY',
        balances: { ...NO_BALANCES, outstanding: '0', availableCredit: '25613.63', creditLimit: '698000', minimumDue: '0' },
        holdings: [],
        currentBalance: '0',
        availableBalance: null,
        creditLimit: '698000',
      },
      {
        accountId: 'loan_hk_02',
        accountGroup: 'LOANS',
        accountType: 'loan',
        productName: 'CITIBANK MORTGAGE POWER PLAN 2',
        productCode: '0302_RPI0',
        nickname: null,
        displayAccountNumber: '8645',
        currencyCode: 'HKD',
        status: 'DELINQUENT',
        classification: 'LIABILITY',
        balanceType: 'LIABILITY',
        // nextPaymentDate 9999-12-31 means "none".
        balances: { ...NO_BALANCES, outstanding: '1000000', minimumDue: '0', paymentDueDate: null },
        holdings: [],
        currentBalance: '1000000',
        availableBalance: null,
        creditLimit: null,
      },
      {
        accountId: 'd3508kR20tSKak',
        accountGroup: 'SAVINGS_AND_INVESTMENTS',
        accountType: 'savings',
        productName: 'SAVINGS',
        productCode: '0101_SATHB',
        nickname: null,
        displayAccountNumber: '3225',
        currencyCode: 'HKD',
        status: 'NO_DEBIT_ACTIVITY',
        classification: 'ASSET',
        balanceType: 'ASSET',
        balances: { ...NO_BALANCES, current: '9743468.24', available: '9743468.24' },
        holdings: [],
        currentBalance: '9743468.24',
        availableBalance: '9743468.24',
        creditLimit: null,
      },
      {
        accountId: 'chk_hk_04',
        accountGroup: 'CHECKING',
        accountType: 'checking',
        productName: 'HKD CHECKING ACCOUNT',
        productCode: '0001_HKCA',
        nickname: null,
        displayAccountNumber: '9854',
        currencyCode: 'HKD',
        status: 'NO_DEBIT_ACTIVITY',
        classification: 'ASSET',
        balanceType: 'ASSET',
        balances: { ...NO_BALANCES, current: '-117.76', available: '-117.76' },
        holdings: [],
        currentBalance: '-117.76',
        availableBalance: '-117.76',
        creditLimit: null,
      },
    ]);
    expect(listing.notSynced.map(({ raw: _r, ...n }) => n)).toEqual([{ accountGroup: 'INSURANCE', kind: 'insurancePolicies', id: 'ins_05' }]);
    expect(listing.notSynced[0]?.raw).toMatchObject({ displayPolicyNumber: 'B810201549', totalPremiumPaidAmount: 0 });
  });

  it('2017 US card transactions: no ids, UNBILLED posted, pending without posting date, purchases out, foreign amounts', async () => {
    const { client: us, transport } = client('US', () => ok(payload('citi-us-v1-card-transactions-2017.json')));
    const account = { accountId: '2016764541', accountType: 'creditCard' };
    const rows = await collect(us.transactions(new SeqTokens(), account, '2017-02-01', '2017-02-28'));
    expect(transport.requests.map((r) => r.path)).toEqual(['/v2/accounts/2016764541/transactions?transactionFromDate=2017-02-01&transactionToDate=2017-02-28']);
    expect(rows.every((r) => r.idSynthetic && /^syn:[0-9a-f]{32}$/.test(r.transactionId))).toBe(true);
    expect(new Set(rows.map((r) => r.transactionId)).size).toBe(8);
    expect(
      rows.map((r) => [r.status, r.statusRaw, r.transactionDate, r.postingDate, r.amount, r.currencyCode, r.description, r.merchantCategoryCode, r.transactionType, r.foreignAmount, r.foreignCurrencyCode]),
    ).toEqual([
      ['pending', 'PENDING', '2017-02-26', null, '-31', 'USD', 'DAN SUNG SA', '5812', 'PURCHASE', null, null],
      ['pending', 'PENDING', '2017-02-26', null, '-14.57', 'USD', 'KROGER #0577', '5411', 'PURCHASE', null, null],
      ['pending', 'PENDING', '2017-02-26', null, '-15.82', 'USD', 'WAL-MART #2649', '5411', 'PURCHASE', null, null],
      ['pending', 'PENDING', '2017-02-26', null, '-7.66', 'USD', 'UBER AU SEP25 PGPWX HELP.UBER.COM', '5814', 'PURCHASE', '-10.11', 'AUD'],
      ['posted', 'UNBILLED', '2017-02-12', '2017-02-26', '-32.61', 'USD', 'SAMSCLUB #6265', '5542', 'PURCHASE', null, null],
      ['posted', 'UNBILLED', '2017-02-12', '2017-02-26', '-50.18', 'USD', 'TWC*TIME WARNER CABLE', '4899', 'PURCHASE', null, null],
      ['posted', 'UNBILLED', '2017-02-12', '2017-02-26', '-80.4', 'USD', 'ATS AUSTRALIAN TRAVE SYDNEY', '7991', 'PURCHASE', '-106.13', 'AUD'],
      ['posted', 'UNBILLED', '2017-02-12', '2017-02-26', '-54.51', 'USD', 'WAL-MART #2649', '5411', 'PURCHASE', null, null],
    ]);
    // The amount as sent and the unknown fields stay in raw.
    expect(rows[0]?.raw).toMatchObject({ transactionAmount: 31, eligibleForEqualPaymentPlan: 'NOT_ELIGIBLE', runningBalanceAmount: 610.41, merchantDescription: 'Eating Places and Restaurants' });
    // Parsing again gives the same keys.
    const again = await collect(us.transactions(new SeqTokens(), account, '2017-02-01', '2017-02-28'));
    expect(again.map((r) => r.transactionId)).toEqual(rows.map((r) => r.transactionId));
  });

  it('2016 US v2 checking: a single object under the array key, DEBIT memo out, a 128-hex accountId', async () => {
    const { client: us } = client('US', () => ok(payload('citi-us-v2-checking-transaction-2016.json')));
    const rows = await collect(us.transactions(new SeqTokens(), { accountId: REPEATED_ID, accountType: 'checking' }, '2016-04-01', '2016-04-30'));
    expect(rows.map(({ raw: _r, ...t }) => t)).toEqual([
      {
        transactionId: '0507777777777000001519171200000',
        idSynthetic: false,
        status: 'posted',
        statusRaw: 'POSTED',
        transactionDate: '2016-04-15',
        postingDate: null,
        amount: '-12.22',
        currencyCode: 'USD',
        description: 'AUTOMATED PHONE + TRANSFER FROM April 15 10:35 5058',
        descriptionExtension: 'TELEPHONE Reference# 545226',
        merchantName: null,
        merchantCategoryCode: null,
        transactionType: 'PAYMENT',
        debitCreditMemo: 'DEBIT',
        foreignAmount: null,
        foreignCurrencyCode: null,
        foreignExchangeRate: null,
        authorizationCode: null,
        checkNumber: '1007',
      },
    ]);
    expect(rows[0]?.raw).toMatchObject({ accountId: REPEATED_ID, transactionAmount: 12.22, debitCreditMemo: 'DEBIT', checkNumber: 1007 });
  });

  it('AU token response (2018): the country in the token path, tokens, lifetimes and scope', async () => {
    const { client: au, transport } = client('AU', () => ok(payload('citi-au-token-response-2018.json')));
    const t0 = Date.now();
    const set = await au.oauth.exchangeCode({ code: 'c', redirectUri: 'http://127.0.0.1/cb' });
    expect(transport.requests.map((r) => [r.method, r.path])).toEqual([['POST', '/authCode/oauth2/token/au/gcb']]);
    expect(set.accessToken).toBe('<redacted: 345-char string starting AAIk...>');
    expect(set.refreshToken).toBe('<redacted: 343-char string starting AAKg...>');
    expect(set.scope).toBe('accounts_details_transactions');
    expect(set.expiresAt.getTime() - t0).toBeGreaterThanOrEqual(1800 * 1000 - 50);
    expect(set.expiresAt.getTime() - t0).toBeLessThanOrEqual(1800 * 1000 + 1000);
    expect(set.refreshTokenExpiresAt.getTime() - set.expiresAt.getTime()).toBe((2_592_000 - 1800) * 1000);
  });

  it('US OpenAPI excerpts: the error bodies map to what the caller must do; the enums to signs', () => {
    const spec = JSON.parse(text('citi-us-v2-openapi-excerpts.json')) as {
      paths: Record<string, { '400_codes': string[][] }>;
      schemas: Record<string, Record<string, unknown>>;
    };
    const map = (status: number, body: unknown) => errorFromResponse({ kind: 'resource', status, path: '/v2/x', headers: {}, bodyText: JSON.stringify(body) });
    // Every 400 code of the transactions path, in the spec's ErrorList shape.
    const codes = spec.paths['/accounts/{accountId}/transactions']!['400_codes'].map(([type, code]) => {
      const e = map(400, { errors: [{ type, code, details: 'x' }] });
      return [code, e.name, e.action];
    });
    expect(codes).toEqual([
      ['invalidRequest', 'AccountUnavailableError', 'skip-account'],
      ['invalidTransactionFromDate', 'AccountUnavailableError', 'skip-account'],
      ['invalidTransactionToDate', 'AccountUnavailableError', 'skip-account'],
      ['transactionFromToDateComboInvalid', 'AccountUnavailableError', 'skip-account'],
      ['tranxFromDate2YrsPriorToCurrDate', 'WindowOutOfRangeError', 'skip-account'],
      ['tranxToDateAfterCurrDate', 'WindowOutOfRangeError', 'skip-account'],
    ]);
    expect(map(400, { errors: [{ type: 'error', code: 'noAccounts' }] }).code).toBe('noAccounts');
    // The spec's example bodies: a flat 400, a 401 with the code in `type`, the gateway's 404.
    const e400 = map(400, spec.schemas.Http400Response);
    expect([e400.name, e400.code, e400.message]).toEqual(['AccountUnavailableError', 'invalidRequest', 'account not available (400 invalidRequest) on /v2/x: Missing or invalid parameters']);
    const e401 = map(401, spec.schemas.Http401Response);
    expect([e401 instanceof UnauthorizedError, e401.code]).toEqual([true, 'unAuthorized']);
    const e404 = map(404, spec.schemas.Http404Response);
    expect([e404 instanceof AccountUnavailableError, e404.code, e404.message]).toEqual([
      true,
      '404',
      'account not available (404 404) on /v2/x: Not Found: No resources match requested URI',
    ]);
    // 404 of type fatal is serverUnavailable: transient.
    expect(map(404, { errors: [{ type: 'fatal', code: 'serverUnavailable' }] })).toBeInstanceOf(RetryLaterError);
    // debitCreditMemo decides; without it the card and deposit types do.
    expect(spec.schemas.DebitCreditMemo!.enum).toEqual(['DEBIT', 'CREDIT']);
    expect(['DEBIT', 'CREDIT'].map((m) => directionOf(m, 'PURCHASE'))).toEqual(['out', 'in']);
    const card = spec.schemas.CreditCardAccountTransaction!['transactionType.enum'] as string[];
    expect(card.map((t) => [t, directionOf(null, t)])).toEqual([
      ['PAYMENT', 'in'],
      ['PURCHASE', 'out'],
      ['CASH_ADVANCES', 'out'],
      ['FEES', 'out'],
      ['INTEREST_CHARGES', 'out'],
      ['ADJUSTMENT', 'as-sent'],
      ['CREDIT', 'in'],
    ]);
    const deposit = spec.schemas.CheckingAccountTransaction!['transactionType.enum'] as string[];
    expect(deposit.map((t) => [t, directionOf(null, t)])).toEqual([
      ['DEPOSIT', 'in'],
      ['PAYMENT', 'in'],
      ['TRANSFER', 'as-sent'],
      ['WITHDRAWAL_OR_DEPOSIT', 'as-sent'],
      ['WITHDRAWAL', 'out'],
      ['DIVIDEND_AND_INTEREST', 'in'],
      ['FEES', 'out'],
      ['ADJUSTMENTS', 'as-sent'],
      ['TRANSACTION_VOID', 'as-sent'],
      ['FEE_WAIVED', 'in'],
      ['OTHER', 'as-sent'],
    ]);
    const loan = spec.schemas.LoanAccountTransaction!['transactionType.enum'] as string[];
    expect(loan.map((t) => directionOf(null, t))).toEqual(['in', 'out', 'out', 'out', 'out', 'in', 'in']);
  });
});
