import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { syncConnection } from '../../src/sync/index.ts';
import { CORPUS, type StoredRow } from './corpus.ts';
import { inProcWorld, type InProcWorld } from './support/inproc.ts';
import { lines, runCli } from './support/cli.ts';
import { relWorld } from './support/world.ts';

/**
 * Every corpus page is served as the only answer of one checking account (one window: 11 months of
 * history). Malformed pages are retried (a truncated body looks the same); one retry here keeps the
 * suite fast, the CLI's default is 5.
 */
describe('hostile and malformed API responses', () => {
  let w: InProcWorld;
  let accountId: string;

  beforeAll(async () => {
    w = await inProcWorld({
      db: await createTestDatabase(),
      sandbox: { profile: { users: 1, accountsPerUser: 1, transactionsPerAccount: 20, historyMonths: 12 } },
      historyMonths: 11,
      maxRetries: 1,
    });
    await w.connect('c1');
    accountId = w.sandbox.users[0]!.accountIds[0]!;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('has at least 30 entries', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
  });

  for (const entry of CORPUS) {
    it(`${entry.expect === 'error' ? 'fails clearly' : 'accepts'}: ${entry.name}`, async () => {
      await w.db.query(`DELETE FROM citi_sync.transactions WHERE connection_id = 'c1'`);
      await w.db.query(`DELETE FROM citi_sync.sync_windows WHERE connection_id = 'c1'`);
      await w.db.query(`DELETE FROM citi_sync.sync_state WHERE connection_id = 'c1'`);
      w.sandbox.setAccountResponse(accountId, { status: entry.status ?? 200, body: entry.body, contentType: entry.contentType });
      const result = await syncConnection(w.deps, 'c1', { trigger: 'manual' });
      w.sandbox.setAccountResponse(accountId, null);
      const { rows: runs } = await w.db.query<{ status: string; error: string | null; error_page: string | null }>(
        `SELECT status, error, error_page FROM citi_sync.sync_runs WHERE connection_id = 'c1' AND account_id = $1 ORDER BY started_at DESC LIMIT 1`,
        [accountId],
      );
      const { rows } = await w.db.query<StoredRow>(
        `SELECT transaction_id, status, amount, currency_code, transaction_date, posting_date, description, raw
           FROM citi_sync.transactions WHERE connection_id = 'c1'`,
      );
      const run = runs[0]!;
      if (entry.expect === 'error') {
        expect(result.status).toBe('failed');
        expect(run.status).toBe('failed');
        expect(run.error).toMatch(entry.reason!);
        // One line, no stack: the reason is for a person reading sync_runs.
        expect(run.error).not.toMatch(/\n\s+at /);
        expect(run.error!.length).toBeLessThan(2000);
        expect(run.error_page).toContain('/transactions');
        expect(rows.map((r) => r.transaction_id)).toEqual(entry.keptRows ?? []);
      } else {
        expect({ status: run.status, error: run.error }).toEqual({ status: 'succeeded', error: null });
        expect(entry.check!(rows)).toBeNull();
      }
      // The database is still whole (the SQL entries did not run).
      const { rows: tables } = await w.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'citi_sync'`);
      expect(tables[0]!.n).toBeGreaterThanOrEqual(9);
    });
  }
});

describe('hostile responses through the CLI', () => {
  it('the process stays up: the bad account is reported, the others are synced, exit code 1', async () => {
    const w = await relWorld({ db: await createTestDatabase(), sandbox: { profile: { users: 1, accountsPerUser: 3, transactionsPerAccount: 30 } } });
    try {
      const userId = await w.connect('c1');
      const [bad, ...good] = w.sandbox.users[0]!.accountIds;
      const deepest = CORPUS.find((c) => c.name.startsWith('deep nesting'))!;
      w.sandbox.setAccountResponse(bad!, { status: 200, body: deepest.body });
      const r = await runCli(['sync', '--connection', 'c1'], w.env({ CITI_MAX_RETRIES: '1' }));
      expect(r.signal).toBeNull();
      expect(r.code).toBe(1);
      const failed = lines(r.stderr).filter((l) => l.startsWith('failed:'));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toContain(bad);
      const e = await w.exact('c1', userId);
      expect(e.missing.filter((k) => !k.startsWith(bad!))).toEqual([]);
      expect(good.length).toBe(2);
    } finally {
      await w.close();
    }
  });
});
