import { describe, expect, it } from 'vitest';
import { SyntheticKeyCounter, normalizeTransaction } from '../../../src/citi/index.ts';
import { mayLoseDigits } from '../../../src/citi/json.ts';
import { normalizePlainTransaction } from '../../../src/citi/normalize.ts';
import { parseJsonBodyRead } from '../../../src/citi/parse.ts';

/**
 * Ids sent as JSON numbers keep their text (schemas.ts idLike). A body is parsed losslessly only
 * when json.ts thinks JSON.parse could change a number, so a number JSON.parse writes back
 * differently (`100.0` -> 100, `12.50` -> 12.5, `-0` -> 0) must count: otherwise the same row's id
 * depended on the rest of its page (another row's 16-digit amount), and a row stored once as "100"
 * came back as "100.0", a second row.
 */
const ctx = () => ({ accountId: 'C1', accountType: 'checking', keys: new SyntheticKeyCounter(), currencyCode: 'USD' });
const other = '{"transactionId":"T2","transactionDate":"2026-01-05","transactionAmount":12345678901234567.5}';

function read(bodyText: string): { transactionId: string; checkNumber: string | null } | string {
  const body = parseJsonBodyRead(bodyText, '/p', { lossless: true });
  const first = (body.json as unknown[])[0];
  try {
    const t = body.plainText && !body.exactNumbers ? normalizePlainTransaction(first, ctx()) : normalizeTransaction(first, ctx());
    return { transactionId: t.transactionId, checkNumber: t.checkNumber };
  } catch (err) {
    return (err as Error).message;
  }
}

describe('a numeric id', () => {
  it.each(['100.0', '12.50', '-0', '-0.0', '7.000'])('%s reads the same alone on its page and beside a number only the lossless parse keeps', (n) => {
    const row = `{"transactionId":${n},"transactionDate":"2026-01-05","transactionAmount":1,"checkNumber":${n}}`;
    expect(read(`[${row}]`)).toEqual(read(`[${row},${other}]`));
    expect(read(`[${row}]`)).toEqual({ transactionId: n, checkNumber: n });
  });

  it('numbers JSON.parse writes back as sent still take the fast parse', () => {
    for (const text of ['[1007]', '{"a":12.5,"b":-3,"c":0,"d":0.05,"e":10,"f":100.01}', '{"a":"100.0"}']) expect(mayLoseDigits(text), text).toBe(false);
    for (const text of ['{"a":100.0}', '[12.50]', '{"a":-0}', '-0', ' 7.000', '[1,-0.0]']) expect(mayLoseDigits(text), text).toBe(true);
  });
});

describe('a fractional numeric id', () => {
  it.each(['1.5', '-3.25', '0.07'])('%s is accepted as its text alone on its page as beside a number only the lossless parse keeps', (n) => {
    const row = `{"transactionId":${n},"transactionDate":"2026-01-05","transactionAmount":1,"checkNumber":${n}}`;
    expect(read(`[${row}]`)).toEqual(read(`[${row},${other}]`));
    expect(read(`[${row}]`)).toEqual({ transactionId: n, checkNumber: n });
  });
});
