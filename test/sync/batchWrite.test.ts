/**
 * The COPY-fed batch writer (src/sync/sql/transactions.ts, src/sync/copyRows.ts) and the bounded
 * hand-over between fetchers and writer (src/sync/pageQueue.ts), on both backends: exact rows, exact
 * counts, hostile text round-tripping through COPY, and the same result without COPY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CitiTransaction } from '../../src/citi/index.ts';
import type { Queryable } from '../../src/db/database.ts';
import { copyLine, copyLines, copyText, encodeRows, parseCopyLine } from '../../src/sync/copyRows.ts';
import { PageQueue } from '../../src/sync/pageQueue.ts';
import { DEFAULT_BATCH, pageWeight, uniqueRows, type FetchedPage } from '../../src/sync/transactionWriter.ts';
import { markVanishedPendings, writeTransactionBatch } from '../../src/sync/sql/transactions.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';

function txn(id: string, over: Partial<CitiTransaction> = {}): CitiTransaction {
  return {
    transactionId: id,
    idSynthetic: false,
    status: 'posted',
    statusRaw: 'POSTED',
    transactionDate: '2026-01-02',
    postingDate: '2026-01-03',
    amount: '-12.50',
    currencyCode: 'USD',
    description: 'COFFEE',
    descriptionExtension: null,
    merchantName: 'Cafe',
    merchantCategoryCode: '5814',
    transactionType: 'PURCHASE',
    debitCreditMemo: 'DEBIT',
    foreignAmount: null,
    foreignCurrencyCode: null,
    foreignExchangeRate: null,
    authorizationCode: null,
    checkNumber: null,
    raw: { transactionId: id, transactionAmount: 12.5, note: 'x' },
    ...over,
  };
}

const byId = (rows: CitiTransaction[]) => new Map(rows.map((r) => [r.transactionId, r]));

describe('COPY text encoding', () => {
  it('escapes exactly backslash, tab, newline and carriage return, drops NUL, writes null as \\N', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText('plain')).toBe('plain');
    expect(copyText('a\\b\tc\nd\re\u0000f')).toBe('a\\\\b\\tc\\nd\\re' + 'f');
    expect(copyLine(txn('t1')).split('\t')).toHaveLength(20);
    expect(copyLine(txn('t1')).endsWith('\n')).toBe(true);
  });

  it('writes the raw payload as its JSON, with only backslashes doubled (JSON.stringify escapes every control character)', () => {
    // COPY's reading of a text value: \\ is a backslash, \t \n \r the characters.
    const unescape = (v: string) => v.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
    const rawColumn = (t: CitiTransaction) => copyLine(t).slice(0, -1).split('\t')[19]!;
    const plain = { transactionId: 't1', d: 'no escapes: ünï ✓ 💳', n: 1.5 };
    expect(rawColumn(txn('t1', { raw: plain }))).toBe(JSON.stringify(plain));
    const escaped = { transactionId: 't2', d: 'back \\ slash "quote" tab\t nl\n cr\r bell\u0007 del\u007f' };
    const column = rawColumn(txn('t2', { raw: escaped }));
    expect(column).not.toMatch(/[\t\n\r]/);
    expect(JSON.parse(unescape(column))).toEqual(escaped);
  });

  it('reads back what it wrote, line by line and column by column (the writer without COPY)', () => {
    const hostile = 'tab\there\nnew line \\ back \\N "quoted" \r 💳';
    const rows = [txn('t1'), txn('t2', { description: hostile, merchantName: '\\N', checkNumber: '' }), txn('t3')];
    const { ids, text } = encodeRows(rows);
    expect(ids).toEqual(['t1', 't2', 't3']);
    const lines = copyLines(text);
    expect(lines).toHaveLength(3);
    expect(lines.join('')).toBe(text);
    const cols = parseCopyLine(lines[1]!);
    expect(cols).toHaveLength(20);
    expect(cols.slice(0, 4)).toEqual(['t2', 'f', 'posted', 'POSTED']);
    expect(cols[8]).toBe(hostile);
    expect(cols[9]).toBeNull();
    expect(cols[10]).toBe('\\N');
    expect(cols[14]).toBe('');
    expect(JSON.parse(cols[19]!)).toEqual(rows[1]!.raw);
  });
});

describe('a batch of encoded pages', () => {
  const page = (ids: string[], amount = '-1.00'): FetchedPage => ({
    window: { from: '2026-01-01', to: '2026-03-31' },
    rows: encodeRows(ids.map((id) => txn(id, { amount }))),
    nextStartIndex: 'x',
    newPending: [],
    keyState: undefined,
  });

  it('is the pages joined when no id repeats', () => {
    const pages = [page(['a', 'b']), page(['c'])];
    expect(uniqueRows(pages)).toEqual({ rows: { rows: 3, pieces: [pages[0]!.rows.text, pages[1]!.rows.text] }, repeats: 0 });
  });

  it('holds each id once, its last copy winning, and counts the others as repeats', () => {
    const { rows, repeats } = uniqueRows([page(['a', 'b'], '-1.00'), page(['b', 'c'], '-2.00'), page(['a'], '-3.00')]);
    expect(repeats).toBe(2);
    expect(rows.rows).toBe(3);
    const amounts = Object.fromEntries(copyLines(rows.pieces.join('')).map((l) => parseCopyLine(l)).map((c) => [c[0], c[6]]));
    expect(amounts).toEqual({ a: '-3.00', b: '-2.00', c: '-2.00' });
  });
});

for (const backend of ['postgres', 'pglite'] as const) {
  describe(`batch writer on ${backend}`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = backend === 'postgres' ? await createTestDatabase() : await createPgliteTestDatabase();
    });
    afterAll(async () => t?.drop());

    const write = (rows: CitiTransaction[], opts: { copy?: boolean; repeats?: number } = {}) =>
      t.db.transaction((tx) => {
        const q: Queryable = opts.copy === false ? { query: (s, p) => tx.query(s, p) } : tx;
        return writeTransactionBatch(q, 'c1', 'a1', byId(rows), opts.repeats ?? 0);
      });
    const stored = async () =>
      (
        await t.db.query<{ transaction_id: string; description: string | null; amount: string; raw: unknown; removed_at: Date | null }>(
          `SELECT transaction_id, description, amount, raw, removed_at FROM citi_sync.transactions WHERE connection_id = 'c1' ORDER BY transaction_id`,
        )
      ).rows;

    it('inserts, then leaves unchanged rows alone, updates a changed one and restores a removed one, with exact counts', async () => {
      const rows = [txn('t1'), txn('t2'), txn('t3')];
      expect(await write(rows, { repeats: 2 })).toEqual({ inserted: 3, updated: 0, restored: 0, unchanged: 2 });
      await t.db.query(`UPDATE citi_sync.transactions SET removed_at = now() WHERE transaction_id = 't3'`);
      const { rows: before } = await t.db.query<{ xmin: string }>(`SELECT xmin::text FROM citi_sync.transactions WHERE transaction_id = 't1'`);
      expect(await write([txn('t1'), txn('t2', { amount: '-13.00' }), txn('t3')])).toEqual({ inserted: 0, updated: 1, restored: 1, unchanged: 1 });
      const { rows: after } = await t.db.query<{ xmin: string }>(`SELECT xmin::text FROM citi_sync.transactions WHERE transaction_id = 't1'`);
      // The unchanged row was not rewritten.
      expect(after[0]!.xmin).toBe(before[0]!.xmin);
      const s = await stored();
      expect(s.map((r) => [r.transaction_id, r.amount, r.removed_at])).toEqual([
        ['t1', '-12.50', null],
        ['t2', '-13.00', null],
        ['t3', '-12.50', null],
      ]);
      // The stage is empty again after the commit.
      const { rows: staged } = await t.db.transaction((tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_temp.transactions_stage`));
      expect(staged).toEqual([{ n: 0 }]);
    });

    it('round-trips hostile text through COPY: tabs, newlines, backslashes, quotes, NUL, lone surrogates, emoji', async () => {
      const hostile = 'tab\there\nnew line \\ back "quoted" \u0000nul \ud800 lone 💳';
      const expected = 'tab\there\nnew line \\ back "quoted" nul \ufffd lone 💳';
      await write([txn('h1', { description: hostile, raw: { transactionId: 'h1', description: hostile, nested: { list: [hostile] } } })]);
      await write([txn('h2', { description: hostile, raw: { transactionId: 'h2', description: hostile } })], { copy: false });
      const s = (await stored()).filter((r) => r.transaction_id.startsWith("h"));
      expect(s.map((r) => r.description)).toEqual([expected, expected]);
      expect(s[0]!.raw).toEqual({ transactionId: 'h1', description: expected, nested: { list: [expected] } });
      expect(s[1]!.raw).toEqual({ transactionId: 'h2', description: expected });
      // Written again, the same text is unchanged: nothing is rewritten.
      expect(await write([txn('h1', { description: hostile, raw: { transactionId: 'h1', description: hostile, nested: { list: [hostile] } } })])).toEqual({
        inserted: 0,
        updated: 0,
        restored: 0,
        unchanged: 1,
      });
    });

    it('closing several windows in one statement marks removed exactly the pendings each window did not show, each once', async () => {
      const pending = (id: string, date: string) => txn(id, { status: 'pending', transactionDate: date, postingDate: null, raw: { transactionId: id } });
      // Two windows that share 2026-02-01 (as a resumed and a planned window might), and a third.
      await write([pending('v1', '2026-01-10'), pending('v2', '2026-01-20'), pending('v3', '2026-02-01'), pending('v4', '2026-02-10'), pending('v5', '2026-03-05'), pending('v6', '2026-04-01')]);
      const removed = await t.db.transaction((tx) =>
        markVanishedPendings(tx, 'c1', 'a1', [
          { from: '2026-01-01', to: '2026-02-01', seenPending: ['v1', 'v3'] },
          { from: '2026-02-01', to: '2026-02-28', seenPending: ['v4'] },
          { from: '2026-03-01', to: '2026-03-31', seenPending: [] },
        ]),
      );
      // v2 unseen in its window; v3 seen in the first window but not the second, which also holds its date; v5 unseen.
      expect(removed).toBe(3);
      const gone = (await stored()).filter((r) => r.transaction_id.startsWith('v') && r.removed_at !== null).map((r) => r.transaction_id);
      expect(gone).toEqual(['v2', 'v3', 'v5']);
      expect(await t.db.transaction((tx) => markVanishedPendings(tx, 'c1', 'a1', []))).toBe(0);
    });

    it('without COPY (a handle that lacks it) writes the same rows with the same counts', async () => {
      const rows = [txn('f1'), txn('f2')];
      expect(await write(rows, { copy: false })).toEqual({ inserted: 2, updated: 0, restored: 0, unchanged: 0 });
      expect(await write(rows)).toEqual({ inserted: 0, updated: 0, restored: 0, unchanged: 2 });
    });

    it('a failed batch leaves nothing behind', async () => {
      await expect(
        t.db.transaction(async (tx) => {
          await writeTransactionBatch(tx, 'c1', 'a1', byId([txn('x1')]));
          throw new Error('crash after the merge');
        }),
      ).rejects.toThrow('crash after the merge');
      expect((await stored()).some((r) => r.transaction_id === 'x1')).toBe(false);
    });
  });
}

describe('PageQueue', () => {
  it('makes a producer wait while the queue holds its capacity, and hands items over in order', async () => {
    const q = new PageQueue<number>(100);
    await q.put(1, 60);
    let secondIn = false;
    const second = q.put(2, 60).then(() => (secondIn = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(secondIn).toBe(false);
    expect(q.queuedWeight).toBe(60);
    expect(await q.take(1, 1000, 0)).toEqual([1]);
    await second;
    q.close();
    expect(await q.take(1, 1000, 0)).toEqual([2]);
    expect(await q.take(1, 1000, 0)).toEqual([]);
  });

  it('batches up to maxWeight, waits lingerMs for minWeight, and fails every waiter with the error', async () => {
    const q = new PageQueue<string>(1000);
    await q.put('a', 50);
    const t0 = Date.now();
    expect(await q.take(500, 1000, 40)).toEqual(['a']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    for (const s of ['b', 'c', 'd']) await q.put(s, 50);
    expect(await q.take(100, 100, 1000)).toEqual(['b', 'c']);
    await q.put('e', 950);
    const blocked = q.put('f', 100);
    q.fail(new Error('writer died'));
    await expect(blocked).rejects.toThrow('writer died');
    await expect(q.take(1, 1000, 0)).rejects.toThrow('writer died');
  });
});

describe('page weight', () => {
  it('is the row count for ordinary rows, and the text length for rows carrying long text', () => {
    const ordinary = Array.from({ length: 50 }, (_, i) => txn(`t${i}`));
    expect(pageWeight(encodeRows(ordinary))).toBe(50);
    expect(pageWeight(encodeRows([]))).toBe(1);
    // 50 rows of 300,000 characters (a page within the 16 MB body bound): 2,000-row batches of
    // them made a COPY text longer than V8's longest string, so the account failed on every run.
    const long = 'x'.repeat(300_000);
    const heavy = Array.from({ length: 50 }, (_, i) => txn(`h${i}`, { description: long, raw: { transactionId: `h${i}`, transactionDescription: long } }));
    expect(pageWeight(encodeRows(heavy))).toBeGreaterThan(DEFAULT_BATCH.maxRows);
  });

  it('keeps a batch of heavy pages to one page, so its COPY text stays within a page or two', async () => {
    const q = new PageQueue<string>(DEFAULT_BATCH.maxRows);
    const heavy = Array.from({ length: 50 }, (_, i) => txn(`h${i}`, { raw: { d: 'x'.repeat(300_000) } }));
    const producer = (async () => {
      for (const p of ['p1', 'p2', 'p3']) await q.put(p, pageWeight(encodeRows(heavy)));
      q.close();
    })();
    const batches: string[][] = [];
    for (let b = await q.take(DEFAULT_BATCH.minRows, DEFAULT_BATCH.maxRows, 0); b.length > 0; b = await q.take(DEFAULT_BATCH.minRows, DEFAULT_BATCH.maxRows, 0)) batches.push(b);
    await producer;
    expect(batches).toEqual([['p1'], ['p2'], ['p3']]);
  });
});
