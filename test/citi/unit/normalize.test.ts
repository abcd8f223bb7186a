import { describe, expect, it } from 'vitest';
import {
  InvalidFieldError,
  parseLosslessJson,
  plainJson,
  SyntheticKeyCounter,
  normalizeAccount,
  normalizeTransaction,
  statusOf,
} from '../../../src/citi/index.ts';

const card = (over: Record<string, unknown> = {}) => ({
  transactionId: 'T1',
  accountId: 'C1',
  transactionDate: '2026-11-12',
  transactionPostingDate: '2026-11-14',
  transactionDescription: 'ATS AUSTRALIAN TRAVE SYDNEY',
  transactionAmount: 80.4,
  currencyCode: 'USD',
  foreignTransactionAmount: 106.13,
  foreignCurrencyCode: 'AUD',
  foreignExchangeRate: 1.32,
  transactionStatus: 'POSTED',
  transactionType: 'PURCHASE',
  transactionAuthorizationCode: 'Q09B1',
  merchantCategory: '7991',
  ...over,
});

const checking = (over: Record<string, unknown> = {}) => ({
  transactionId: '0507777777777000001519171200000',
  transactionDate: '2026-11-20',
  transactionPostingDate: '2026-11-21',
  transactionDescription: 'AUTOMATED PHONE TRANSFER',
  transactionDescriptionExtension: 'Reference# 545226',
  transactionAmount: 12.22,
  debitCreditMemo: 'DEBIT',
  currencyCode: 'USD',
  transactionStatus: 'POSTED',
  transactionType: 'PAYMENT',
  checkNumber: 1007,
  runningBalanceAmount: 9988.03,
  ...over,
});

const ctx = (accountType: string, keys = new SyntheticKeyCounter()) => ({ accountId: 'ACC-1', accountType, keys });

describe('normalizeTransaction: signs', () => {
  it.each([
    ['checking', { debitCreditMemo: 'DEBIT', transactionAmount: 12.22 }, '-12.22'],
    ['checking', { debitCreditMemo: 'CREDIT', transactionAmount: 12.22 }, '12.22'],
    ['savings', { debitCreditMemo: 'debit', transactionAmount: 5 }, '-5'],
    ['loan', { debitCreditMemo: 'CREDIT', transactionAmount: 250 }, '250'],
    // §4 "Signs": the memo decides the direction whatever sign the amount came with.
    ['checking', { debitCreditMemo: 'DEBIT', transactionAmount: -3.5 }, '-3.5'],
    ['checking', { debitCreditMemo: 'CREDIT', transactionAmount: -3.5 }, '3.5'],
    // No memo: the type (PAYMENT is money in), then the amount's own sign.
    ['checking', { debitCreditMemo: null, transactionAmount: 7 }, '7'],
    ['checking', { debitCreditMemo: null, transactionType: 'WITHDRAWAL', transactionAmount: 7 }, '-7'],
    ['checking', { debitCreditMemo: null, transactionType: 'TRANSFER', transactionAmount: -7 }, '-7'],
    ['checking', { debitCreditMemo: null, transactionType: 'OTHER', transactionAmount: 7 }, '7'],
    // The same rule for every kind: a card payment sent positive with memo CREDIT is money in.
    ['creditCard', { debitCreditMemo: 'CREDIT', transactionType: 'PAYMENT', transactionAmount: 610.41 }, '610.41'],
    ['creditCard', { debitCreditMemo: 'DEBIT', transactionType: 'PAYMENT', transactionAmount: 5 }, '-5'],
  ])('%s %o → %s', (type, over, amount) => {
    expect(normalizeTransaction(checking(over), ctx(type)).amount).toBe(amount);
  });

  it.each([
    ['PURCHASE', 31, '-31'],
    ['FEE', 35, '-35'],
    ['INTEREST', 4.17, '-4.17'],
    ['CASH_ADVANCE', 100, '-100'],
    ['PAYMENT', -610.41, '610.41'],
    ['CREDIT', -20, '20'],
  ])('credit card %s %s → %s', (type, amt, amount) => {
    expect(normalizeTransaction(card({ transactionType: type, transactionAmount: amt }), ctx('creditCard')).amount).toBe(amount);
  });

  it('the foreign amount follows the same sign rule; the rate is not money and keeps its sign', () => {
    const t = normalizeTransaction(card(), ctx('creditCard'));
    expect(t).toMatchObject({ amount: '-80.4', foreignAmount: '-106.13', foreignCurrencyCode: 'AUD', foreignExchangeRate: '1.32' });
  });

  it('maps every field', () => {
    const t = normalizeTransaction(checking(), ctx('checking'));
    expect(t).toEqual({
      transactionId: '0507777777777000001519171200000',
      idSynthetic: false,
      status: 'posted',
      statusRaw: 'POSTED',
      transactionDate: '2026-11-20',
      postingDate: '2026-11-21',
      amount: '-12.22',
      currencyCode: 'USD',
      description: 'AUTOMATED PHONE TRANSFER',
      descriptionExtension: 'Reference# 545226',
      merchantName: null,
      merchantCategoryCode: null,
      transactionType: 'PAYMENT',
      debitCreditMemo: 'DEBIT',
      foreignAmount: null,
      foreignCurrencyCode: null,
      foreignExchangeRate: null,
      authorizationCode: null,
      checkNumber: '1007',
      raw: checking(),
    });
  });
});

describe('normalizeTransaction: status', () => {
  it.each([
    ['PENDING', null, 'pending'],
    ['PENDING', '2026-11-14', 'pending'],
    ['POSTED', null, 'posted'],
    ['UNBILLED', '2026-11-14', 'posted'],
    ['BILLED', '2026-11-14', 'posted'],
    ['BILLED', null, 'posted'],
    ['SETTLING', '2026-11-14', 'posted'],
    ['SETTLING', null, 'pending'],
    [null, null, 'pending'],
    [null, '2026-11-14', 'posted'],
  ] as const)('%s with posting date %s → %s', (raw, posting, status) => {
    expect(statusOf(raw, posting)).toBe(status);
    const t = normalizeTransaction(card({ transactionStatus: raw, transactionPostingDate: posting }), ctx('creditCard'));
    expect(t.status).toBe(status);
    expect(t.statusRaw).toBe(raw);
  });
});

describe('normalizeTransaction: synthetic keys (§6)', () => {
  const noId = (over: Record<string, unknown> = {}) => card({ transactionId: undefined, ...over });

  it('are stable across fetches and look like syn:<32 hex>', () => {
    const a = normalizeTransaction(noId(), ctx('creditCard'));
    const b = normalizeTransaction(noId({ transactionStatus: 'BILLED', unknownField: 1 }), ctx('creditCard'));
    expect(a.idSynthetic).toBe(true);
    expect(a.transactionId).toMatch(/^syn:[0-9a-f]{32}$/);
    expect(b.transactionId).toBe(a.transactionId);
  });

  it('keep two identical purchases on one day apart, and re-fetching gives the same two keys', () => {
    const walk = () => {
      const keys = new SyntheticKeyCounter();
      return [noId(), noId(), noId({ transactionAmount: 1 })].map((r) => normalizeTransaction(r, ctx('creditCard', keys)).transactionId);
    };
    const first = walk();
    expect(new Set(first).size).toBe(3);
    expect(walk()).toEqual(first);
  });

  it('differ by account, dates, amount, description and merchant category', () => {
    const base = normalizeTransaction(noId(), ctx('creditCard')).transactionId;
    const variants = [
      normalizeTransaction(noId(), { ...ctx('creditCard'), accountId: 'ACC-2' }),
      normalizeTransaction(noId({ transactionDate: '2026-11-13' }), ctx('creditCard')),
      normalizeTransaction(noId({ transactionPostingDate: '2026-11-15' }), ctx('creditCard')),
      normalizeTransaction(noId({ transactionAmount: 80.41 }), ctx('creditCard')),
      normalizeTransaction(noId({ transactionDescription: 'OTHER' }), ctx('creditCard')),
      normalizeTransaction(noId({ merchantCategory: '5812' }), ctx('creditCard')),
    ].map((t) => t.transactionId);
    expect(new Set([base, ...variants]).size).toBe(7);
  });

  it('the counter survives a checkpoint mid-window', () => {
    const keys = new SyntheticKeyCounter();
    const first = normalizeTransaction(noId(), ctx('creditCard', keys)).transactionId;
    const saved = JSON.parse(JSON.stringify(keys)) as unknown;
    const resumed = SyntheticKeyCounter.from(saved);
    const second = normalizeTransaction(noId(), ctx('creditCard', resumed)).transactionId;
    expect(second).not.toBe(first);
    const uninterrupted = new SyntheticKeyCounter();
    normalizeTransaction(noId(), ctx('creditCard', uninterrupted));
    expect(normalizeTransaction(noId(), ctx('creditCard', uninterrupted)).transactionId).toBe(second);
    expect(() => SyntheticKeyCounter.from({ version: 2 })).toThrow(TypeError);
    expect(SyntheticKeyCounter.from(null).isEmpty()).toBe(true);
  });

  it('an empty transactionId counts as missing', () => {
    expect(normalizeTransaction(card({ transactionId: '' }), ctx('creditCard')).idSynthetic).toBe(true);
  });
});

describe('normalizeTransaction: validation and text', () => {
  it('strips NUL and terminal control from text and raw, keeps everything else (issue 10 item 10)', () => {
    const t = normalizeTransaction(card({ transactionDescription: 'CAF\u0000É ☕ \u0001\u001b[2J x\ty', odd: { 'k\u0000': 'v\u0000' } }), ctx('creditCard'));
    expect(t.description).toBe('CAFÉ ☕  x\ty');
    expect(t.raw.transactionDescription).toBe('CAFÉ ☕  x\ty');
    expect(t.raw.odd).toEqual({ k: 'v' });
  });

  it('keeps unknown fields in raw', () => {
    expect(normalizeTransaction(card({ eligibleForEqualPaymentPlan: 'NOT_ELIGIBLE' }), ctx('creditCard')).raw.eligibleForEqualPaymentPlan).toBe(
      'NOT_ELIGIBLE',
    );
  });

  it.each([
    [{ transactionDate: '2026-02-30' }, 'transactionDate'],
    [{ transactionDate: '26-11-12' }, 'transactionDate'],
    [{ transactionPostingDate: '2026-13-01' }, 'transactionPostingDate'],
    [{ currencyCode: 'US' }, 'currencyCode'],
    [{ transactionAmount: '80,40' }, 'transactionAmount'],
    [{ transactionAmount: true }, 'transactionAmount'],
    [{ transactionAmount: '1e9999' }, 'transactionAmount'],
    [{ foreignTransactionAmount: 'x1' }, 'foreignTransactionAmount'],
    [{ transactionId: 2 ** 60 }, 'transactionId'],
  ])('rejects %o naming %s', (over, field) => {
    let caught: unknown;
    try {
      normalizeTransaction(card(over), ctx('creditCard'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidFieldError);
    expect((caught as InvalidFieldError).fieldPath).toBe(field);
    expect((caught as InvalidFieldError).snippet.length).toBeLessThanOrEqual(120);
  });

  it('numbers from the text stay exact, whatever their length; decimal strings are read the same way', () => {
    const body = parseLosslessJson(
      '{"transactionId":12345678901234567890123,"transactionDate":"2026-11-12","currencyCode":"JPY","transactionType":"PURCHASE",' +
        '"transactionAmount":123456789012345678901234567890.125,"foreignTransactionAmount":"80.40","foreignExchangeRate":1.324567890123456789}',
    );
    const t = normalizeTransaction(body, ctx('creditCard'));
    expect([t.transactionId, t.amount, t.foreignAmount, t.foreignExchangeRate]).toEqual([
      '12345678901234567890123',
      '-123456789012345678901234567890.125',
      '-80.4',
      '1.324567890123456789',
    ]);
    // raw keeps what a double cannot hold as its exact text, the rest as numbers.
    expect(t.raw).toMatchObject({ transactionAmount: '123456789012345678901234567890.125', foreignTransactionAmount: '80.40', transactionId: '12345678901234567890123' });
    expect(plainJson(parseLosslessJson('{"a":31,"b":0.1,"c":1e2}'))).toEqual({ a: 31, b: 0.1, c: 100 });
  });

  it("India rows: transactionReferenceId is the id when transactionId is absent", () => {
    const t = normalizeTransaction(checking({ transactionId: undefined, transactionReferenceId: 'REF-77', runningBalance: 10 }), ctx('savings'));
    expect([t.transactionId, t.idSynthetic]).toEqual(['REF-77', false]);
    expect(normalizeTransaction(checking({ transactionReferenceId: 'REF-77' }), ctx('savings')).transactionId).toBe('0507777777777000001519171200000');
  });

  it('uses the account currency when a row has none', () => {
    const t = normalizeTransaction(card({ currencyCode: undefined }), { ...ctx('creditCard'), currencyCode: 'JPY' });
    expect(t.currencyCode).toBe('JPY');
    expect(() => normalizeTransaction(card({ currencyCode: undefined }), ctx('creditCard'))).toThrow(/currencyCode/);
  });

  it('accepts null for every optional field', () => {
    const t = normalizeTransaction(
      card({ transactionPostingDate: null, transactionDescription: null, merchantCategory: null, foreignTransactionAmount: null, foreignCurrencyCode: null, foreignExchangeRate: null, transactionAuthorizationCode: null }),
      ctx('creditCard'),
    );
    expect(t).toMatchObject({ postingDate: null, description: null, merchantCategoryCode: null, foreignAmount: null, authorizationCode: null });
  });
});

describe('normalizeAccount', () => {
  const entry = {
    creditCardAccountSummary: {
      productName: 'Citi Double Cash',
      productCode: 'CC_DC01',
      accountNickname: 'Card',
      displayAccountNumber: 'XXXXXXXXXXXX0378',
      accountId: 'C2016764541',
      currencyCode: 'USD',
      accountStatus: 'ACTIVE',
      accountClassification: 'LIABILITY',
      currentBalance: 610.41,
      availableBalance: 4389.59,
      outstandingBalance: 610.41,
      creditLimit: 5000,
      paymentDueDate: '2026-12-20',
    },
  };

  it('takes the type from the summary key and keeps balances exact', () => {
    expect(normalizeAccount(entry, 'CREDIT_CARD')).toMatchObject({
      accountId: 'C2016764541',
      accountGroup: 'CREDIT_CARD',
      accountType: 'creditCard',
      productName: 'Citi Double Cash',
      productCode: 'CC_DC01',
      nickname: 'Card',
      displayAccountNumber: 'XXXXXXXXXXXX0378',
      currencyCode: 'USD',
      status: 'ACTIVE',
      classification: 'LIABILITY',
      balanceType: 'LIABILITY',
      balances: {
        current: '610.41',
        available: '4389.59',
        outstanding: '610.41',
        availableCredit: null,
        creditLimit: '5000',
        minimumDue: null,
        paymentDueDate: '2026-12-20',
        lastStatementBalance: null,
        principal: null,
        portfolioValue: null,
      },
      holdings: [],
      currentBalance: '610.41',
      availableBalance: '4389.59',
      creditLimit: '5000',
      raw: entry.creditCardAccountSummary,
    });
  });

  it('only accountId is required; both nickname spellings are read', () => {
    const a = normalizeAccount({ loanAccountSummary: { accountId: 'L'.repeat(128), accountNickName: 'Home' } });
    expect(a).toMatchObject({ accountType: 'loan', accountGroup: null, currentBalance: null, nickname: 'Home', status: null, currencyCode: null });
  });

  it('names the field that is wrong', () => {
    expect(() => normalizeAccount({ checkingAccountSummary: { currencyCode: 'USD' } })).toThrow(
      expect.objectContaining({ fieldPath: 'checkingAccountSummary.accountId' }),
    );
    expect(() =>
      normalizeAccount({ savingsAccountSummary: { accountId: 'A', currencyCode: 'USD', accountStatus: 'ACTIVE', currentBalance: '1.2.3' } }),
    ).toThrow(expect.objectContaining({ fieldPath: 'savingsAccountSummary.currentBalance' }));
    expect(() => normalizeAccount({ somethingElse: {} })).toThrow(/no <kind>AccountSummary object in the account entry; found keys: somethingElse/);
  });
});
