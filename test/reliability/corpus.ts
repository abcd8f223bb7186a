/**
 * Hostile and malformed transaction pages, served in place of one account's real answer
 * (`sandbox.setAccountResponse`). Each entry says what must happen:
 * - `error`: the account's run is `failed` with an error matching `reason` (clear, naming the field or
 *   the problem), and none of the page's rows is stored: not even the good rows before the bad one;
 * - `accepted`: a documented, safe normalisation; `check` looks at the stored rows.
 *
 * Good rows come first in most bad pages on purpose: a page is validated whole before any row is written.
 */

export interface StoredRow {
  transaction_id: string;
  status: string;
  amount: string;
  currency_code: string;
  transaction_date: string;
  posting_date: string | null;
  description: string | null;
  raw: Record<string, unknown>;
}

export interface CorpusEntry {
  name: string;
  status?: number;
  contentType?: string;
  body: string;
  expect: 'error' | 'accepted';
  /** For `error`: what the recorded error must say. */
  reason?: RegExp;
  /** For `error`: rows of earlier, good pages that legitimately stay stored. */
  keptRows?: string[];
  /** For `accepted`: a problem description, or null when the stored rows are right. */
  check?: (rows: StoredRow[]) => string | null;
}

const KEY = 'checkingAccountTransactions';

export function goodRow(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    transactionId: id,
    transactionDate: '2026-11-20',
    transactionPostingDate: '2026-11-21',
    transactionDescription: 'COFFEE',
    transactionAmount: 12.5,
    debitCreditMemo: 'DEBIT',
    currencyCode: 'USD',
    transactionStatus: 'POSTED',
    ...extra,
  };
}

const page = (rows: unknown, next: unknown = ''): string => JSON.stringify({ [KEY]: rows, nextStartIndex: next });
/** Two good rows, then the bad one: nothing of this page may be stored. */
const badAfterGood = (bad: unknown): string => page([goodRow('G1'), goodRow('G2'), bad]);
/** Good rows, then one whose amount is the literal JSON text `lit` (which JSON.stringify cannot produce). */
const amountLiteral = (lit: string): string => badAfterGood(goodRow('B', { transactionAmount: '__AMOUNT__' })).replace('"__AMOUNT__"', lit);
const one = (rows: StoredRow[], id: string) => rows.find((r) => r.transaction_id === id);
const expectOne = (rows: StoredRow[], id: string, test: (r: StoredRow) => boolean, what: string): string | null => {
  const r = one(rows, id);
  if (!r) return `row ${id} not stored (have ${rows.map((x) => x.transaction_id).join(', ') || 'none'})`;
  return test(r) ? null : `${what}: got ${JSON.stringify({ ...r, raw: undefined }).slice(0, 300)}`;
};

const SQL = `x'); DROP TABLE citi_sync.transactions; --`;
/** Deterministic text that does not compress (so Postgres cannot shrink it under its index limit). */
const noise = (n: number): string => {
  let x = 12345;
  let out = '';
  while (out.length < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += x.toString(36);
  }
  return out.slice(0, n);
};
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

export const CORPUS: CorpusEntry[] = [
  // ---- wrong types
  // Issue 11: a decimal string is a number Citi sends (§3 "Numbers of every form"), read exactly.
  { name: 'amount as a decimal string', body: badAfterGood(goodRow('B', { transactionAmount: '12.50' })), expect: 'accepted', check: (rows) => expectOne(rows, 'B', (r) => r.amount === '-12.5', 'amount') },
  { name: 'amount as a boolean', body: badAfterGood(goodRow('B', { transactionAmount: true })), expect: 'error', reason: /transactionAmount/ },
  { name: 'amount null', body: badAfterGood(goodRow('B', { transactionAmount: null })), expect: 'error', reason: /transactionAmount/ },
  { name: 'amount missing', body: badAfterGood(goodRow('B', { transactionAmount: undefined })), expect: 'error', reason: /transactionAmount/ },
  { name: 'transactionId as an object', body: badAfterGood(goodRow('B', { transactionId: { id: 1 } })), expect: 'error', reason: /transactionId/ },
  // Bodies are parsed losslessly (issue 11): a numeric id keeps every digit.
  { name: 'transactionId beyond 2^53', body: badAfterGood(goodRow('B', { transactionId: '__ID__' })).replace('"__ID__"', '123456789012345678901'), expect: 'accepted', check: (rows) => expectOne(rows, '123456789012345678901', (r) => r.amount === '-12.5', 'id') },
  { name: 'row is a string', body: badAfterGood('not a row'), expect: 'error', reason: /checkingAccountTransactions\[2\]: expected a transaction object/ },
  { name: 'row is null', body: badAfterGood(null), expect: 'error', reason: /\[2\]/ },
  { name: 'rows array is a number', body: JSON.stringify({ [KEY]: 42, nextStartIndex: '' }), expect: 'error', reason: new RegExp(KEY) },
  { name: 'top level is an array', body: JSON.stringify([goodRow('G1')]), expect: 'error', reason: /malformed/ },
  { name: 'top level is null', body: 'null', expect: 'error', reason: /malformed/ },
  // Read tolerantly (issue 11): another kind's `…AccountTransactions` key is still this account's rows.
  { name: 'another kind\'s array key', body: JSON.stringify({ creditCardAccountTransactions: [goodRow('G1')], nextStartIndex: '' }), expect: 'accepted', check: (rows) => expectOne(rows, 'G1', (r) => r.amount === '-12.5', 'row') },
  { name: 'no transactions array at all', body: JSON.stringify({ rows: [goodRow('G1')], nextStartIndex: '' }), expect: 'error', reason: /no checkingAccountTransactions, transaction or transactions array; found keys: rows, nextStartIndex/ },
  { name: 'nextStartIndex is an object', body: page([goodRow('G1')], { offset: 50 }), expect: 'error', reason: /nextStartIndex/ },
  { name: 'currency code not 3 letters', body: badAfterGood(goodRow('B', { currencyCode: 'US' })), expect: 'error', reason: /currencyCode/ },
  // ---- missing fields
  { name: 'transactionDate missing', body: badAfterGood(goodRow('B', { transactionDate: undefined })), expect: 'error', reason: /transactionDate/ },
  // ---- dates
  { name: 'invalid date 2026-02-30', body: badAfterGood(goodRow('B', { transactionDate: '2026-02-30' })), expect: 'error', reason: /transactionDate.*calendar date/ },
  { name: 'timestamp instead of a date', body: badAfterGood(goodRow('B', { transactionDate: '2026-11-20T10:00:00Z' })), expect: 'error', reason: /transactionDate/ },
  { name: 'posting date 2026-13-01', body: badAfterGood(goodRow('B', { transactionPostingDate: '2026-13-01' })), expect: 'error', reason: /transactionPostingDate/ },
  // ---- numbers
  { name: 'NaN (not JSON)', body: amountLiteral('NaN'), expect: 'error', reason: /not JSON/ },
  // Amounts come from the text itself (issue 11): no float, no digit ceiling; only an exponent that
  // would blow up past 1000 characters is refused.
  { name: '1e400 (a double would say Infinity)', body: amountLiteral('1e400'), expect: 'accepted', check: (rows) => expectOne(rows, 'B', (r) => r.amount === `-1${'0'.repeat(400)}`, 'amount') },
  { name: '1e21 (past what a double keeps)', body: amountLiteral('1e21'), expect: 'accepted', check: (rows) => expectOne(rows, 'B', (r) => r.amount === '-1000000000000000000000', 'amount') },
  { name: '17 significant digits', body: amountLiteral('0.30000000000000004'), expect: 'accepted', check: (rows) => expectOne(rows, 'B', (r) => r.amount === '-0.30000000000000004', 'amount') },
  { name: 'an exponent beyond 1000 digits', body: amountLiteral('1e5000'), expect: 'error', reason: /transactionAmount: exponent beyond 1000/ },
  // ---- not JSON at all
  { name: 'HTML error page with status 200', contentType: 'text/html', body: '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>', expect: 'error', reason: /not JSON.*502 Bad Gateway|not JSON/ },
  { name: 'empty 200 body', body: '', expect: 'error', reason: /empty body/ },
  { name: 'truncated JSON', body: page([goodRow('G1'), goodRow('G2')]).slice(0, 60), expect: 'error', reason: /not JSON/ },
  { name: 'HTML error page with status 502', status: 502, contentType: 'text/html', body: '<html>Bad Gateway</html>', expect: 'error', reason: /unavailable \(502\)/ },
  { name: 'status 418 (not in the contract)', status: 418, body: '{"type":"error","code":"teapot"}', expect: 'error', reason: /unexpected status \(418 teapot\)/ },
  { name: 'deep nesting (100k levels) inside a row', body: badAfterGood(goodRow('B', { nested: '__DEEP__' })).replace('"__DEEP__"', deep(100_000)), expect: 'error', reason: /nested deeper than 64 levels/ },
  { name: 'deep nesting (100k levels) beside the rows', body: `{"${KEY}":[${JSON.stringify(goodRow('G1'))}],"nextStartIndex":"","junk":${deep(100_000)}}`, expect: 'error', reason: /nested deeper than 64 levels/ },
  // The first page is good and stays stored; its repeat (same cursor back) fails before storing anything.
  { name: 'cursor that does not advance', body: page([goodRow('G1')], 'same'), expect: 'error', reason: /PagingLoopError: Citi's paging looped on .*: cursor "same" came back after 1 distinct cursors/, keptRows: ['G1'] },
  { name: 'a 10 000-character incompressible transaction id (past the index limit: refused naming the field, issue 12 G)', body: badAfterGood(goodRow(noise(10_000))), expect: 'error', reason: /^MalformedResponseError: .*Transactions\[2\]\.transactionId: longer than 1000 bytes \(an id must fit in a database index\)/ },
  // ---- accepted, with a documented normalisation
  {
    name: 'missing accountId (the account comes from the request path)',
    body: page([goodRow('A1', { accountId: undefined })]),
    expect: 'accepted',
    check: (rows) => expectOne(rows, 'A1', (r) => r.amount === '-12.5', 'stored'),
  },
  {
    name: 'duplicated keys (JSON.parse: the last one wins)',
    body: page([goodRow('D1')]).replace('"transactionAmount":12.5', '"transactionAmount":1,"transactionAmount":2'),
    expect: 'accepted',
    check: (rows) => expectOne(rows, 'D1', (r) => r.amount === '-2', 'last duplicate wins'),
  },
  {
    name: 'SQL in description and id (stored verbatim, nothing executed)',
    body: page([goodRow(SQL, { transactionDescription: `Robert'); DROP TABLE citi_sync.connections;--` })]),
    expect: 'accepted',
    check: (rows) => expectOne(rows, SQL, (r) => r.description === `Robert'); DROP TABLE citi_sync.connections;--`, 'verbatim'),
  },
  {
    name: 'NUL characters (removed: Postgres cannot store them)',
    body: page([goodRow('N\u00001', { transactionDescription: 'A\u0000B', extraField: 'x\u0000y' })]),
    expect: 'accepted',
    check: (rows) => expectOne(rows, 'N1', (r) => r.description === 'AB' && r.raw.extraField === 'xy', 'NUL removed'),
  },
  {
    name: 'lone surrogates (become U+FFFD)',
    body: page([goodRow('S1', { transactionDescription: 'caf\ud800' })]),
    expect: 'accepted',
    check: (rows) => expectOne(rows, 'S1', (r) => r.description === 'caf\ufffd', 'surrogate replaced'),
  },
  {
    name: 'an enormous description (2 MB, kept whole)',
    body: page([goodRow('E1', { transactionDescription: 'Z'.repeat(2_000_000) })]),
    expect: 'accepted',
    check: (rows) => expectOne(rows, 'E1', (r) => r.description?.length === 2_000_000, 'kept whole'),
  },
  {
    name: 'a huge page (3000 rows, past the 50 the contract promises)',
    body: page(Array.from({ length: 3000 }, (_, i) => goodRow(`H${i}`))),
    expect: 'accepted',
    check: (rows) => (rows.filter((r) => r.transaction_id.startsWith('H')).length === 3000 ? null : `stored ${rows.length}`),
  },
  {
    name: 'single object instead of an array (§6)',
    body: page(goodRow('O1')),
    expect: 'accepted',
    check: (rows) => expectOne(rows, 'O1', () => true, 'stored'),
  },
  {
    name: 'unknown status without a posting date (kept raw, treated as pending)',
    body: page([goodRow('U1', { transactionStatus: 'WEIRD', transactionPostingDate: null })]),
    expect: 'accepted',
    check: (rows) => expectOne(rows, 'U1', (r) => r.status === 'pending', 'pending'),
  },
  {
    name: 'lower-case currency (upper-cased)',
    body: page([goodRow('C1', { currencyCode: 'usd' })]),
    expect: 'accepted',
    check: (rows) => expectOne(rows, 'C1', (r) => r.currency_code === 'USD', 'upper-cased'),
  },
  {
    // Every field Citi sent stays visible: the key is kept in `raw` as data (an own property, never a
    // prototype), nothing is polluted, and the row is stored like any other (test/citi/unit/protoKeys.test.ts).
    name: 'unknown fields and a __proto__ key (no prototype pollution; the key stays in raw as data)',
    body: page([goodRow('P1')]).replace('"transactionId"', '"__proto__":{"polluted":true,"transactionAmount":999},"futureField":[1,2],"transactionId"'),
    expect: 'accepted',
    check: (rows) =>
      expectOne(
        rows,
        'P1',
        (r) => Array.isArray(r.raw.futureField) && Object.hasOwn(r.raw, '__proto__') && r.amount === '-12.5' && ({} as Record<string, unknown>).polluted === undefined,
        'stored with __proto__ in raw, nothing polluted',
      ),
  },
  {
    name: 'numeric ids and check numbers (kept as text)',
    body: page([{ ...goodRow('X'), transactionId: 90071992547, checkNumber: 1007 }]),
    expect: 'accepted',
    check: (rows) => expectOne(rows, '90071992547', () => true, 'stored'),
  },
];
