import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SyntheticKeyCounter, normalizeTransaction } from '../../../src/citi/index.ts';
import { validate } from '../../../src/citi/parse.ts';
import { transactionsPageSchema } from '../../../src/citi/schemas.ts';

/**
 * The real responses in shared/fixtures (§6). Locally shared/ sits next to the checkout; CI copies
 * it to ../shared from the repo root: both are the same relative path from here.
 */
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

function load(name: string): unknown {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8'));
}

function parsePage(name: string, accountType: string, accountId = 'ACC') {
  const key = `${accountType}AccountTransactions`;
  const page = validate(transactionsPageSchema(key), load(name), '/fixture');
  const keys = new SyntheticKeyCounter();
  return { page, rows: page.rows.map((r) => normalizeTransaction(r, { accountId, accountType, keys })) };
}

describe('real Citi fixtures (§6)', () => {
  it('the fixtures directory exists', () => {
    expect(existsSync(FIXTURES)).toBe(true);
  });

  it('2017 US v1 card transactions: no ids, UNBILLED, pending without posting date, foreign amounts', () => {
    const { page, rows } = parsePage('citi-us-v1-card-transactions-2017.json', 'creditCard', '2016764541');
    expect(page.nextStartIndex).toBeNull();
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.idSynthetic && /^syn:[0-9a-f]{32}$/.test(r.transactionId))).toBe(true);
    expect(new Set(rows.map((r) => r.transactionId)).size).toBe(8);
    expect(rows.map((r) => [r.status, r.statusRaw, r.amount])).toEqual([
      ['pending', 'PENDING', '-31'],
      ['pending', 'PENDING', '-14.57'],
      ['pending', 'PENDING', '-15.82'],
      ['pending', 'PENDING', '-7.66'],
      ['posted', 'UNBILLED', '-32.61'],
      ['posted', 'UNBILLED', '-50.18'],
      ['posted', 'UNBILLED', '-80.4'],
      ['posted', 'UNBILLED', '-54.51'],
    ]);
    expect(rows[3]).toMatchObject({ foreignAmount: '-10.11', foreignCurrencyCode: 'AUD', merchantCategoryCode: '5814', postingDate: null });
    expect(rows[6]).toMatchObject({ foreignAmount: '-106.13', postingDate: '2017-02-26', transactionDate: '2017-02-12' });
    // Unknown fields survive in raw.
    expect(rows[0]?.raw).toMatchObject({ eligibleForEqualPaymentPlan: 'NOT_ELIGIBLE', runningBalanceAmount: 610.41, merchantDescription: 'Eating Places and Restaurants' });
    // Parsing again gives the same keys.
    expect(parsePage('citi-us-v1-card-transactions-2017.json', 'creditCard', '2016764541').rows.map((r) => r.transactionId)).toEqual(
      rows.map((r) => r.transactionId),
    );
  });

  it('2016 US v2 checking: a single object under the array key, a 128-hex accountId', () => {
    const { rows } = parsePage('citi-us-v2-checking-transaction-2016.json', 'checking');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      transactionId: '0507777777777000001519171200000',
      idSynthetic: false,
      status: 'posted',
      amount: '-12.22',
      debitCreditMemo: 'DEBIT',
      checkNumber: '1007',
      postingDate: null,
      description: 'AUTOMATED PHONE + TRANSFER FROM April 15 10:35 5058',
    });
    expect(rows[0]?.raw.accountId).toMatch(/^[0-9a-f]{128}$/);
  });
});
