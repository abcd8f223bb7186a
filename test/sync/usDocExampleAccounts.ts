/**
 * The seven accounts of Citi's US `GET /v2/accounts/details` example
 * (../shared/fixtures/citi-us-v2-accounts-details-doc-example.json) as the client parses them
 * (the shape agreed in ACCOUNT-TYPES.md), written out by hand: what storage is fed. The client's
 * golden test (test/citi/unit/fixtures.test.ts) checks that this is what the client makes of the file.
 */
import { readFileSync } from 'node:fs';
import type { CitiAccount, CitiBalances } from '../../src/citi/types.ts';

const FIXTURE = JSON.parse(
  readFileSync(new URL('../../../shared/fixtures/citi-us-v2-accounts-details-doc-example.json', import.meta.url), 'utf8'),
) as { response: { accountGroupDetails: Array<Record<string, Array<Record<string, unknown>>>> } };
const GROUP = FIXTURE.response.accountGroupDetails[0]!;
/** The entry of `array` as sent (the account's `raw`). */
const entry = (array: string): Record<string, unknown> => GROUP[array]![0]!;

/** Listed under checking, savings, line of credit and brokerage alike (a slip in Citi's example). */
export const REPEATED_ID =
  'da549a7cc86472ee05272c7bd0a4483f57174f2110e7ad961a267995031fda66c6d5475de467a65739750107b621e5a01be7cc0dc085a825fa384795904293f6';
export const CARD_ID =
  '8035a60debb671e89bd451c9ad0f283e8f1b8868dd4dc65520ceb7bdfeb4142999f574c9db37917ef0edfae296745142543e3ad2bc034887f37212ecbde83ee0';
export const LOAN_ID =
  'd8cf4b23b3a7f74fd441e93697c15fe2fe8714afdfa1d1dc619b1d2ccda41edfa965598333d790b1e2de05a4c55176094a0cc632ff4ddbe9704f10e787fa64f9';
export const RETIREMENT_ID =
  'bd0fbd58e6e3d2fec034a0f4d8a41f8f0533b7f93a02a11d3fa80f7a66c62ebdd77d0dd67787d4e4f0e4949116937f429748535d1698ae0bab6e7122e884bb02';

export const NO_BALANCES: CitiBalances = {
  current: null,
  available: null,
  outstanding: null,
  availableCredit: null,
  creditLimit: null,
  minimumDue: null,
  paymentDueDate: null,
  lastStatementBalance: null,
  principal: null,
  portfolioValue: null,
};

/** An account with every optional field null, for tests to fill in. */
export function citiAccount(a: Partial<CitiAccount> & Pick<CitiAccount, 'accountId' | 'accountType'>): CitiAccount {
  return {
    accountGroup: null,
    productName: null,
    productCode: null,
    nickname: null,
    displayAccountNumber: null,
    currencyCode: null,
    status: null,
    classification: null,
    currentBalance: null,
    availableBalance: null,
    creditLimit: null,
    balanceType: null,
    balances: NO_BALANCES,
    holdings: [],
    raw: {},
    ...a,
  };
}

export const checking = citiAccount({
  accountId: REPEATED_ID,
  accountGroup: 'CHECKING',
  accountType: 'checking',
  productName: 'Business Checking',
  nickname: 'My checking account',
  displayAccountNumber: 'XXXXXX9594',
  currencyCode: 'USD',
  status: 'ACTIVE',
  currentBalance: '10000.25',
  availableBalance: '15000.25',
  classification: 'ASSET',
  balanceType: 'ASSET',
  balances: { ...NO_BALANCES, current: '10000.25', available: '15000.25' },
  raw: entry('checkingAccountsDetails'),
});

export const savings = citiAccount({
  accountId: REPEATED_ID,
  accountGroup: 'CHECKING',
  accountType: 'savings',
  productName: 'Citi Gold Savings Account',
  nickname: 'Personal Savings Account',
  displayAccountNumber: 'XXXXXX2033',
  currencyCode: 'USD',
  status: 'ACTIVE',
  currentBalance: '10000.25',
  availableBalance: '15000.25',
  classification: 'ASSET',
  balanceType: 'ASSET',
  balances: { ...NO_BALANCES, current: '10000.25', available: '15000.25' },
  raw: entry('savingsAccountsDetails'),
});

export const card = citiAccount({
  accountId: CARD_ID,
  accountGroup: 'CHECKING',
  accountType: 'creditCard',
  productName: 'Citi Rewards+? Card',
  displayAccountNumber: 'XXXXXXXXXXXX7899',
  currencyCode: 'USD',
  status: 'ACTIVE',
  currentBalance: '10000.25',
  creditLimit: '20000',
  classification: 'LIABILITY',
  balanceType: 'LIABILITY',
  balances: {
    ...NO_BALANCES,
    current: '10000.25',
    availableCredit: '15000',
    creditLimit: '20000',
    minimumDue: '1500',
    paymentDueDate: '2017-03-27',
    lastStatementBalance: '5000.25',
  },
  raw: entry('creditCardAccountsDetails'),
});

/** No `accountStatus`: loans do not send one. */
export const loan = citiAccount({
  accountId: LOAN_ID,
  accountGroup: 'CHECKING',
  accountType: 'loan',
  productName: 'Personal Loan',
  nickname: 'My personal loan',
  displayAccountNumber: 'XXXXX1035',
  currencyCode: 'USD',
  // The principal, so the old views keep showing a balance (ACCOUNT-TYPES.md).
  currentBalance: '10000',
  classification: 'LIABILITY',
  balanceType: 'LIABILITY',
  balances: { ...NO_BALANCES, availableCredit: '9000', minimumDue: '400', paymentDueDate: '2017-03-27', principal: '10000' },
  raw: entry('loanAccountsDetails'),
});

export const lineOfCredit = citiAccount({
  accountId: REPEATED_ID,
  accountGroup: 'CHECKING',
  accountType: 'lineOfCredit',
  productName: 'Checking Plus Line of Credit',
  nickname: 'Checking plus account',
  displayAccountNumber: 'XXXXX1035',
  currencyCode: 'USD',
  status: 'ACTIVE',
  currentBalance: '10000',
  classification: 'LIABILITY',
  balanceType: 'LIABILITY',
  balances: { ...NO_BALANCES, availableCredit: '9000', minimumDue: '5000', principal: '10000' },
  raw: entry('lineOfCreditAccountsDetails'),
});

const brokerageEntry = entry('brokerageAccountsDetails');
/** No `currencyCode` nor `accountStatus`; its value is a decimal string. */
export const brokerage = citiAccount({
  accountId: REPEATED_ID,
  accountGroup: 'CHECKING',
  accountType: 'brokerage',
  productName: 'Brokerage IRA',
  displayAccountNumber: 'XXXXX1035',
  classification: 'ASSET',
  balanceType: 'ASSET',
  balances: { ...NO_BALANCES, portfolioValue: '3643150.72' },
  holdings: [
    {
      kind: 'holding',
      key: 'CAIFX',
      symbol: 'CAIFX',
      cusip: '140194101',
      name: 'American Funds Capital Income Builder.',
      quantity: '100',
      price: '32.41',
      value: '324.1',
      currencyCode: 'USD',
      asOfDate: '2020-01-21',
      raw: (brokerageEntry.accountHoldings as Array<Record<string, unknown>>)[0]!,
    },
  ],
  raw: brokerageEntry,
});

const retirementEntry = entry('retirementAccountsDetails');
/** No `currencyCode`; its plan component says USD. */
export const retirement = citiAccount({
  accountId: RETIREMENT_ID,
  accountGroup: 'CHECKING',
  accountType: 'retirement',
  productName: 'Rollover IRA',
  displayAccountNumber: 'XXX2766',
  status: 'ACTIVE',
  classification: 'ASSET',
  balanceType: 'ASSET',
  balances: { ...NO_BALANCES, portfolioValue: '9000.15' },
  holdings: [
    {
      kind: 'plan-component',
      key: 'Variable CD-2766',
      symbol: null,
      cusip: null,
      name: 'Variable CD-2766',
      quantity: null,
      price: null,
      value: '4676.36',
      currencyCode: 'USD',
      // The account's `asOfDateTime`: a plan component has no date of its own.
      asOfDate: '2020-04-10',
      raw: (retirementEntry.retirementPlanComponents as Array<Record<string, unknown>>)[0]!,
    },
  ],
  raw: retirementEntry,
});

/** In the order Citi lists them. */
export const US_DOC_EXAMPLE_ACCOUNTS: CitiAccount[] = [checking, savings, card, loan, lineOfCredit, brokerage, retirement];
