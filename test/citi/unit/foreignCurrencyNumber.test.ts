import { describe, expect, it } from 'vitest';
import { SyntheticKeyCounter, normalizeTransaction } from '../../../src/citi/index.ts';
import { normalizePlainTransaction } from '../../../src/citi/normalize.ts';
import { parseJsonBodyRead } from '../../../src/citi/parse.ts';

/**
 * The US v2 `foreignCurrency`, when a number, is the amount in the foreign currency (normalize.ts
 * foreignAmountOf). A body is parsed losslessly only when some number in it could lose digits
 * (json.ts), so the same row arrives as a JS number or as an exact number depending on the rest of
 * the page: it must be read the same either way.
 */
const ctx = () => ({ accountId: 'C1', accountType: 'creditCard', keys: new SyntheticKeyCounter(), currencyCode: 'USD' });
const row = '{"transactionId":"T1","transactionDate":"2026-01-05","transactionAmount":12.5,"foreignCurrency":-913.5}';

function foreignAmount(bodyText: string): string | null {
  const body = parseJsonBodyRead(bodyText, '/p', { lossless: true });
  const first = (body.json as unknown[])[0];
  const t = body.plainText && !body.exactNumbers ? normalizePlainTransaction(first, ctx()) : normalizeTransaction(first, ctx());
  return t.foreignAmount;
}

describe('a numeric foreignCurrency', () => {
  it('is the foreign amount whether or not another number of the page made the parse lossless', () => {
    const alone = foreignAmount(`[${row}]`);
    const beside = foreignAmount(`[${row},{"transactionId":"T2","transactionDate":"2026-01-05","transactionAmount":12345678901234567.5}]`);
    expect(alone).not.toBeNull();
    expect(beside).toBe(alone);
    expect(foreignAmount(`[${row.replace('-913.5', '-913.50e0')}]`)).toBe(alone);
  });
});
