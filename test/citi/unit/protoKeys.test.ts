/**
 * `__proto__` and `constructor` in a Citi body are data like any other key (the contract: every field
 * Citi sent stays visible in `raw`). JSON.parse keeps `__proto__` as an own property; an assignment
 * (`out[key] = value`) in a parser or a copy would instead set the prototype and lose the field, or,
 * on a shared object, pollute every object. Each path a body takes is checked: the fast parse, the
 * lossless parse (a number a double cannot hold), the cleaning copy (a control character somewhere),
 * the accounts listing, and the COPY encoding of `raw`.
 */
import { describe, expect, it } from 'vitest';
import { parseLosslessJson, plainJson } from '../../../src/citi/index.ts';
import { rawJson } from '../../../src/sync/copyRows.ts';
import { collect, fakeWire, res } from './fakeWire.ts';

const HOSTILE_KEYS = `"__proto__":{"polluted":true,"isAdmin":1},"constructor":{"prototype":{"polluted":true}},"nested":{"__proto__":{"deep":"x"},"constructor":"c","list":[{"__proto__":{"inArray":1}}]}`;

const row = (amount: string, description = 'COFFEE') =>
  `{"transactionId":"T1","transactionDate":"2026-01-05","transactionPostingDate":"2026-01-05","transactionDescription":"${description}","transactionAmount":${amount},"debitCreditMemo":"DEBIT","currencyCode":"USD","transactionStatus":"POSTED",${HOSTILE_KEYS}}`;

/** What `raw` must hold of the hostile keys, as JSON text (keys in the order sent). */
const EXPECTED = JSON.parse(`{${HOSTILE_KEYS}}`) as Record<string, unknown>;

function expectKeptAsData(raw: Record<string, unknown>): void {
  expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
  expect(Object.hasOwn(raw, '__proto__')).toBe(true);
  expect(Object.hasOwn(raw, 'constructor')).toBe(true);
  const stored = JSON.parse(rawJson(raw)) as Record<string, unknown>;
  for (const key of ['__proto__', 'constructor', 'nested']) {
    expect(JSON.stringify(stored[key]), key).toBe(JSON.stringify(EXPECTED[key]));
  }
  expect(Object.keys(stored)).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'nested']));
  // No object anywhere took the hostile values as its prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf((raw as { nested: object }).nested)).toBe(Object.prototype);
}

describe('__proto__ and constructor keys in a body stay data', () => {
  it.each([
    ['fast parse', row('12.5')],
    ['lossless parse', row('12345678901234567890.12')],
    ['cleaning copy (a control character in a value)', row('12.5', 'COFFEE\\u0007')],
    ['lossless parse and cleaning copy', row('12345678901234567890.12', 'COFFEE\\u001b[2J')],
  ])('a transaction row: %s', async (_, body) => {
    const { client, tokens } = fakeWire('US', [res(200, `{"checkingAccountTransactions":[${body}],"nextStartIndex":""}`)]);
    const [t] = await collect(client.transactions(tokens, { accountId: 'A', accountType: 'checking' }, '2026-01-01', '2026-01-31'));
    expect(t!.transactionId).toBe('T1');
    expectKeptAsData(t!.raw);
  });

  it('an account of the listing', async () => {
    const body = `{"accountGroupDetails":[{"accountGroup":"CHECKING","checkingAccountsDetails":[{"accountId":"A1","currencyCode":"USD",${HOSTILE_KEYS}}]}]}`;
    const { client, tokens } = fakeWire('US', [res(200, body)]);
    const listing = await client.listAccounts(tokens);
    expect(listing.accounts.map((a) => a.accountId)).toEqual(['A1']);
    expectKeptAsData(listing.accounts[0]!.raw);
  });

  it('the parsers themselves', () => {
    const text = `{${HOSTILE_KEYS},"n":12345678901234567890.12}`;
    const lossless = parseLosslessJson(text) as Record<string, unknown>;
    expect(Object.hasOwn(lossless, '__proto__')).toBe(true);
    const plain = plainJson(lossless) as Record<string, unknown>;
    expectKeptAsData(plain);
    expect(plain.n).toBe('12345678901234567890.12');
  });
});
