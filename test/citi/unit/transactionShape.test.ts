import fc from 'fast-check';
import { LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { InvalidFieldError, SyntheticKeyCounter, normalizeTransaction, parseLosslessJson } from '../../../src/citi/index.ts';
import { MAX_KEY_ID_BYTES, transactionSchema } from '../../../src/citi/schemas.ts';
import { cleanAndRaw } from '../../../src/citi/json.ts';
import { parseJsonBodyRead } from '../../../src/citi/parse.ts';
import { transactionFieldsFast } from '../../../src/citi/transactionShape.ts';
import { collect, fakeWire as setup, res } from './fakeWire.ts';

/**
 * The hand check (src/citi/transactionShape.ts) must agree with the schema: on every row it either
 * defers (undefined) or gives exactly the schema's output for every field of the schema.
 */
const FIELDS = Object.keys(transactionSchema.shape);

function agreesWithSchema(row: Record<string, unknown>): 'fast' | 'deferred' {
  const fast = transactionFieldsFast(row);
  const zod = transactionSchema.safeParse(row);
  if (fast === undefined) return 'deferred';
  // The hand check never accepts what the schema refuses...
  expect(zod.success, `fast path accepted a row the schema refuses: ${JSON.stringify(zod.error?.issues[0])}`).toBe(true);
  // ...and gives the same value for every field the schema knows.
  for (const f of FIELDS) expect((fast as Record<string, unknown>)[f], f).toEqual((zod.data as Record<string, unknown>)[f]);
  return 'fast';
}

const base = {
  transactionId: 'T1',
  accountId: 'C1',
  transactionDate: '2026-11-12',
  transactionPostingDate: '2026-11-14',
  transactionDescription: 'ATS AUSTRALIAN TRAVE SYDNEY',
  transactionAmount: 80.4,
  currencyCode: 'usd',
  foreignTransactionAmount: 106.13,
  foreignCurrencyCode: 'AUD',
  foreignExchangeRate: 1.32,
  transactionStatus: 'POSTED',
  transactionType: 'PURCHASE',
  transactionAuthorizationCode: 'Q09B1',
  merchantCategory: '7991',
  checkNumber: 1007,
};

const ctx = () => ({ accountId: 'C1', accountType: 'creditCard', keys: new SyntheticKeyCounter() });

describe('transactionFieldsFast', () => {
  it('takes the ordinary row and gives what the schema gives (numeric ids as text, currency upper-cased, "" dates absent)', () => {
    expect(agreesWithSchema(base)).toBe('fast');
    expect(agreesWithSchema({ ...base, transactionPostingDate: '', currencyCode: '', foreignCurrencyCode: null, transactionId: null })).toBe('fast');
    expect(transactionFieldsFast(base)).toMatchObject({ checkNumber: '1007', currencyCode: 'USD' });
  });

  it('reads exact numbers (lossless parse) as the schema does', () => {
    const row = parseLosslessJson(
      '{"transactionId":12345678901234567890,"transactionDate":"2026-11-12","transactionAmount":12345678901234567890.12,"foreignExchangeRate":1e-7,"currencyCode":"USD"}',
    ) as Record<string, unknown>;
    expect(agreesWithSchema(row)).toBe('fast');
    expect(transactionFieldsFast(row)?.transactionId).toBe('12345678901234567890');
    expect(transactionFieldsFast(row)?.transactionAmount).toBeInstanceOf(LosslessNumber);
  });

  it('defers every odd value to the schema, which then names the field as before', () => {
    const odd: Array<[Record<string, unknown>, string]> = [
      [{ ...base, transactionDate: '2026-02-30' }, 'transactionDate'],
      [{ ...base, transactionDate: undefined }, 'transactionDate'],
      [{ ...base, transactionPostingDate: '14/11/2026' }, 'transactionPostingDate'],
      [{ ...base, transactionAmount: true }, 'transactionAmount'],
      [{ ...base, transactionAmount: { value: 1 } }, 'transactionAmount'],
      [{ ...base, currencyCode: 'US' }, 'currencyCode'],
      [{ ...base, foreignCurrencyCode: 'U$D' }, 'foreignCurrencyCode'],
      [{ ...base, checkNumber: 2 ** 53 }, 'checkNumber'],
      [{ ...base, checkNumber: 1e-7 }, 'checkNumber'],
      [{ ...base, transactionId: 'x'.repeat(MAX_KEY_ID_BYTES + 1) }, 'transactionId'],
      [{ ...base, transactionId: 'é'.repeat(MAX_KEY_ID_BYTES / 2 + 1) }, 'transactionId'],
      [{ ...base, transactionDescription: 42 }, 'transactionDescription'],
      [{ ...base, merchantName: ['A'] }, 'merchantName'],
    ];
    for (const [row, field] of odd) {
      expect(transactionFieldsFast(row), field).toBeUndefined();
      const err = (() => {
        try {
          normalizeTransaction(row, ctx());
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, field).toBeInstanceOf(InvalidFieldError);
      expect((err as InvalidFieldError).fieldPath, field).toBe(field);
    }
  });

  it('takes a fractional numeric id as its text, as the lossless parse of the same body does', () => {
    expect(agreesWithSchema({ ...base, checkNumber: 1.5 })).toBe('fast');
    expect(transactionFieldsFast({ ...base, checkNumber: 1.5 })?.checkNumber).toBe('1.5');
  });

  it('counts bytes, not characters, for long ids: a multi-byte id within the bound is kept', () => {
    const id = 'é'.repeat(MAX_KEY_ID_BYTES / 2);
    expect(agreesWithSchema({ ...base, transactionId: id })).toBe('fast');
  });

  it('leaves a `__proto__` key as data and out of the fields', () => {
    const row = JSON.parse(`{"__proto__":{"transactionAmount":"1"},"transactionDate":"2026-11-12","transactionAmount":"3.50","currencyCode":"USD"}`) as Record<string, unknown>;
    expect(agreesWithSchema(row)).toBe('fast');
    const t = normalizeTransaction(row, ctx());
    expect(t.amount).toBe('3.5');
    expect(Object.getPrototypeOf(t.raw)).toBe(Object.prototype);
    expect(Object.hasOwn(t.raw, '__proto__')).toBe(true);
  });

  it('agrees with the schema on arbitrary rows (property)', () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.constant(''),
      fc.string(),
      fc.constantFrom('2026-11-12', '2024-02-29', '2023-02-29', 'USD', 'eur', 'U$D', '0099-01-01', '12.50', '1e5', '-0'),
      fc.double(),
      fc.integer(),
      fc.constant(2 ** 53),
      fc.boolean(),
      fc.constant(new LosslessNumber('12345678901234567890.5')),
      fc.constant([1]),
      fc.constant({ a: 1 }),
    );
    // Mostly a value of the field's own kind, so that both ways are taken often.
    const good = (f: string) =>
      /Amount$|Rate$/.test(f)
        ? fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('12.50', '-0.10'))
        : /Date$/.test(f)
          ? fc.constantFrom('2026-11-12', '2024-02-29')
          : /CurrencyCode$|^currencyCode$/.test(f)
            ? fc.constantFrom('usd', 'EUR')
            : fc.constantFrom('A1', 'Ünïcode ✓');
    const field = (f: string) =>
      fc.oneof({ weight: 6, arbitrary: good(f) }, { weight: 2, arbitrary: fc.constantFrom(undefined, null) }, { weight: 1, arbitrary: value });
    const row = fc.record(Object.fromEntries(FIELDS.map((f) => [f, field(f)])), { requiredKeys: [] });
    let fast = 0;
    fc.assert(
      fc.property(row, (r) => {
        if (agreesWithSchema(r as Record<string, unknown>) === 'fast') fast += 1;
      }),
      { numRuns: 2000 },
    );
    // Not a vacuous agreement: a good share of the rows went the fast way.
    expect(fast).toBeGreaterThan(100);
  });
});

describe('cleanAndRaw: one walk for text to clean and exact numbers', () => {
  it('hands back a clean row without exact numbers as it is, for both', () => {
    const row = JSON.parse('{"a":"x","b":[1,{"c":"ü ✓"}]}') as Record<string, unknown>;
    const { clean, raw } = cleanAndRaw(row);
    expect(clean).toBe(row);
    expect(raw).toBe(row);
  });

  it('cleans NUL, control characters and lone surrogates in values and keys, however deep', () => {
    const row = JSON.parse('{"a":"x\\u0000y","k\\u001b[1m":"v","n":{"l":["\\ud800","\\u009b2J ok"]}}') as Record<string, unknown>;
    const { clean, raw } = cleanAndRaw(row);
    expect(clean).toEqual({ a: 'xy', k: 'v', n: { l: ['\ufffd', ' ok'] } });
    expect(raw).toBe(clean);
  });

  it('a key seen clean before does not hide a dirty one, also past the cache bound', () => {
    for (let i = 0; i < 3000; i++) cleanAndRaw({ [`key${i}`]: 1 });
    expect(cleanAndRaw(JSON.parse('{"key1":1,"key1\\u0007":2}') as Record<string, unknown>).clean).toEqual({ key1: 2 });
  });

  it('keeps exact numbers exact in raw (numbers past 15 significant digits, exponents) and cleans text beside them', () => {
    const row = parseLosslessJson('{"amount":12345678901234567890.12,"small":1e2,"d":"a\\u0000b"}') as Record<string, unknown>;
    const { clean, raw } = cleanAndRaw(row);
    expect(clean.amount).toBeInstanceOf(LosslessNumber);
    expect(clean.d).toBe('ab');
    expect(raw).toEqual({ amount: '12345678901234567890.12', small: 100, d: 'ab' });
  });

  it('keeps a `__proto__` key as data when it copies', () => {
    const row = JSON.parse('{"__proto__":{"polluted":"\\u001b[1m"},"a":"x\\u0000"}') as Record<string, unknown>;
    const { clean } = cleanAndRaw(row);
    expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
    expect(Object.hasOwn(clean, '__proto__')).toBe(true);
    expect((clean as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(clean)).toBe('{"__proto__":{"polluted":""},"a":"x"}');
  });
});

describe('a plain body spares its rows the walk (parseJsonBodyRead, the client)', () => {
  const row = { transactionId: 'T1', transactionDate: '2026-11-12', transactionAmount: 12.5, currencyCode: 'USD', transactionDescription: 'CAFÉ ✓ 💳' };
  const page = (rows: unknown[]) => JSON.stringify({ checkingAccountTransactions: rows });

  it('tells from the text whether anything may need cleaning or is an exact number', () => {
    const read = (text: string) => {
      const { plainText, exactNumbers } = parseJsonBodyRead(text, '/p', { lossless: true });
      return { plainText, exactNumbers };
    };
    expect(read(page([row]))).toEqual({ plainText: true, exactNumbers: false });
    // Any escape (\u0000, \t, \", even \/) makes it not plain: the rows are walked as before.
    for (const d of ['a\u0000b', 'tab\there', 'say "hi"']) expect(read(page([{ ...row, transactionDescription: d }])).plainText, JSON.stringify(d)).toBe(false);
    expect(read('{"checkingAccountTransactions":[{"d":"a\\/b"}]}').plainText).toBe(false);
    // Raw DEL and C1 controls are valid JSON text; a raw lone surrogate can come from a custom Transport.
    expect(read(page([{ ...row, transactionDescription: 'x\u007fy' }])).plainText).toBe(false);
    expect(read(page([{ ...row, transactionDescription: '\u009b2J' }])).plainText).toBe(false);
    expect(read(`{"checkingAccountTransactions":[{"d":"\ud800"}]}`).plainText).toBe(false);
    expect(read(page([{ ...row, transactionAmount: 1e300 }])).exactNumbers).toBe(true);
    expect(read('{"checkingAccountTransactions":[{"a":12345678901234567890}]}').exactNumbers).toBe(true);
  });

  it('through the client, rows of plain and of dirty bodies come out as normalizeTransaction makes them', async () => {
    const bodies = [
      page([row, { ...row, transactionId: 'T2', transactionAmount: '3.50', __proto__: null }]),
      page([{ ...row, transactionDescription: 'NUL\u0000 ESC\u001b[1m DEL\u007f' }]),
      `{"checkingAccountTransactions":[{"transactionId":"T4","transactionDate":"2026-11-12","transactionAmount":12345678901234567890.12,"currencyCode":"USD","d":"\ud800"}]}`,
      `{"checkingAccountTransactions":[{"transactionId":"T5","transactionDate":"2026-11-12","transactionAmount":1,"currencyCode":"USD","__proto__":{"x":"\u009b"}}]}`,
    ];
    for (const body of bodies) {
      const { client, tokens } = setup('US', [res(200, body)]);
      const [got] = await collect(client.transactionPages(tokens, { accountId: 'A', accountType: 'checking', currencyCode: 'USD' }, '2026-11-01', '2026-11-25'));
      const expected = (parseLosslessJson(body) as { checkingAccountTransactions: unknown[] }).checkingAccountTransactions.map((r) =>
        normalizeTransaction(r, { accountId: 'A', accountType: 'checking', keys: new SyntheticKeyCounter(), currencyCode: 'USD' }),
      );
      expect(got!.rows, body).toEqual(expected);
      expect(JSON.stringify(got!.rows.map((r) => r.raw))).toBe(JSON.stringify(expected.map((r) => r.raw)));
    }
  });
});
