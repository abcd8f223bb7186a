/**
 * docs/analytics.md cannot rot: every SQL block in it runs, as written, against a database synced
 * from the simulator under the demo's connection id (each in a transaction that is rolled back, so
 * the examples that write leave nothing behind), and every view's column table lists exactly the
 * view's columns.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONNECTION_ID } from '../../src/cli/commands/demo.ts';
import { marketOf } from '../../src/sandbox/market.ts';
import { upsertAccounts } from '../../src/sync/sql/accounts.ts';
import { TEST_COUNTRY } from '../helpers/country.ts';
import { brokerage, retirement } from '../sync/usDocExampleAccounts.ts';
import { syncedDatabase, type Synced } from './helpers.ts';

const DOC = readFileSync(new URL('../../docs/analytics.md', import.meta.url), 'utf8');

interface Block {
  line: number;
  sql: string;
  skip: boolean;
  mayBeEmpty: boolean;
}

/**
 * The ```sql blocks. A comment line right before one qualifies it: `<!-- docs-test: skip … -->` is not
 * runnable as is (Grafana macros); `<!-- docs-test: may be empty -->` may answer no rows.
 */
function sqlBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```sql') continue;
    const end = lines.indexOf('```', i + 1);
    const before = lines.slice(0, i).reverse().find((l) => l.trim() !== '') ?? '';
    blocks.push({ line: i + 1, sql: lines.slice(i + 1, end).join('\n'), skip: /<!-- docs-test: skip/.test(before), mayBeEmpty: /<!-- docs-test: may be empty/.test(before) });
    i = end;
  }
  return blocks;
}

/** `### analytics.<view>` sections and the first column of their tables. */
function documentedColumns(markdown: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let view: string | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^### analytics\.(\w+)$/.exec(line);
    if (heading) view = heading[1];
    else if (/^##? /.test(line)) view = undefined;
    else if (view) {
      const cell = /^\| (\w+) \|/.exec(line);
      if (cell && cell[1] !== 'column') (out[view] ??= []).push(cell[1]!);
    }
  }
  return out;
}

class Rollback extends Error {}

const blocks = sqlBlocks(DOC);

let s: Synced;
beforeAll(async () => {
  // The world's today is the real one, like the demo's: the examples filter relative to current_date.
  s = await syncedDatabase(DEMO_CONNECTION_ID, { today: new Date().toISOString().slice(0, 10) });
  // Citi's US example's brokerage and retirement accounts, stored the way a listing is, as of the
  // sync (an earlier or later listing would make the synced accounts look gone from net worth).
  const { rows } = await s.t.db.query<{ at: Date }>(`SELECT max(last_seen_at) AS at FROM citi_sync.accounts WHERE connection_id = $1`, [DEMO_CONNECTION_ID]);
  const listed = await s.t.db.query<{ account_id: string }>(`SELECT account_id FROM citi_sync.accounts WHERE connection_id = $1`, [DEMO_CONNECTION_ID]);
  expect(listed.rows.length).toBeGreaterThan(0);
  await s.t.db.transaction((tx) => upsertAccounts(tx, DEMO_CONNECTION_ID, [{ ...brokerage, accountId: 'brokerage-1035' }, retirement], rows[0]!.at));
});
afterAll(() => s.close());

describe('docs/analytics.md', () => {
  it('has the examples the page promises', () => {
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThanOrEqual(12);
    expect(DOC).toContain("WHERE category = 'restaurants'");
    expect(DOC).toContain('IN ROLE citi_sync_reader');
    expect(DOC).toContain('FROM analytics.net_worth');
    expect(DOC).toContain('FROM analytics.holdings');
  });

  it.each(blocks.filter((b) => !b.skip).map((b) => [b.line, b] as const))('SQL block at line %i runs as written', async (_line, block) => {
    // The examples name USD, a US deployment's currency; in another market they run with its own.
    const sql = block.sql.replaceAll("'USD'", `'${marketOf(TEST_COUNTRY).currency}'`);
    const statements = sql.split(/;\s*$/m).map((x) => x.trim()).filter(Boolean);
    const err = await s.t.db
      .transaction(async (tx) => {
        for (const sql of statements) {
          const res = await tx.query(sql);
          // A query that answers nothing on a synced database is a broken example.
          if (/^(SELECT|WITH)\b/i.test(sql) && !block.mayBeEmpty) expect(res.rows.length, sql).toBeGreaterThan(0);
        }
        throw new Rollback();
      })
      .catch((e: unknown) => e);
    if (!(err instanceof Rollback)) throw err;
  });

  it('documents every column of every analytics view, in order', async () => {
    const { rows } = await s.t.db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'analytics' ORDER BY table_name, ordinal_position`,
    );
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.table_name] ??= []).push(r.column_name);
    expect(documentedColumns(DOC)).toEqual(actual);
  });
});
