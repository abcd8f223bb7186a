import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPgliteTestDatabase, createTestDatabase } from '../helpers/db.ts';
import type { Database } from '../../src/db/database.ts';
import { syncConnection, type ProgressEvent } from '../../src/sync/index.ts';
import { ConnectionUnusableError } from '../../src/auth/errors.ts';
import { PageBudget } from '../../src/sync/pageBudget.ts';
import { addDays, dialectFor, monthsBefore } from '../../src/citi/index.ts';
import { COUNTRY, harness, liveKeys, rowVersions, storedTransactions, truthKeys, TODAY, type Harness } from './harness.ts';

// TODAY minus the market's history (US 24 months, Asia-Pacific 12), plus a day.
const HISTORY_FROM = addDays(monthsBefore(TODAY, dialectFor(COUNTRY).historyMonths), 1);

const backends = [
  ['postgres', createTestDatabase],
  ['pglite', createPgliteTestDatabase],
] as const;

describe.each(backends)('sync engine on %s', (_name, create) => {
  let db: Database;
  let drop: () => Promise<void>;
  let h: Harness;

  beforeEach(async () => {
    const t = await create();
    db = t.db;
    drop = t.drop;
    h = await harness(db);
  });
  afterEach(async () => {
    await h.close();
    await drop();
  });

  it('a first sync stores exactly what the bank shows; a second with nothing new writes nothing', async () => {
    const { userId } = await h.connect('c1');
    const first = await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    expect(first.status).toBe('succeeded');
    const rows = await storedTransactions(db, 'c1');
    expect(liveKeys(rows)).toEqual(truthKeys(h.sandbox, userId, HISTORY_FROM));
    expect(first.accounts.reduce((n, a) => n + a.inserted, 0)).toBe(rows.length);

    const before = await rowVersions(db);
    const second = await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    expect(second.status).toBe('succeeded');
    for (const a of second.accounts) expect([a.inserted, a.updated, a.removed, a.restored]).toEqual([0, 0, 0, 0]);
    expect(await rowVersions(db)).toEqual(before);
    // Only the lookback window was fetched the second time.
    expect(second.accounts.reduce((n, a) => n + a.pages, 0)).toBeLessThan(first.accounts.reduce((n, a) => n + a.pages, 0));

    const { rows: runs } = await db.query<{ status: string; rows_inserted: number }>(
      `SELECT status, rows_inserted FROM analytics.sync_runs WHERE connection_id = 'c1' AND account_id IS NULL ORDER BY started_at`,
    );
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(runs[0]!.rows_inserted).toBe(rows.length);
    expect(runs[1]!.rows_inserted).toBe(0);
  });

  it('a page budget far smaller than a page (walks wait their turn across accounts) loses nothing and is given back', async () => {
    const { userId } = await h.connect('c1');
    const budget = new PageBudget(1);
    const first = await syncConnection({ ...h.deps, pageBudget: budget }, 'c1', { trigger: 'cli' });
    expect(first.status).toBe('succeeded');
    const rows = await storedTransactions(db, 'c1');
    expect(liveKeys(rows)).toEqual(truthKeys(h.sandbox, userId, HISTORY_FROM));
    expect(first.accounts.reduce((n, a) => n + a.inserted, 0)).toBe(rows.length);
    expect(budget.held).toBe(0);
  });

  it('follows the world: pendings post under new ids, vanish, corrections land, new rows arrive', async () => {
    const { userId } = await h.connect('c1');
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    h.sandbox.advance(5);
    const second = await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    expect(second.status).toBe('succeeded');
    const rows = await storedTransactions(db, 'c1');
    expect(liveKeys(rows)).toEqual(truthKeys(h.sandbox, userId, HISTORY_FROM));
    const removed = rows.filter((r) => r.removed_at !== null);
    expect(removed.length).toBeGreaterThan(0);
    expect(removed.every((r) => r.status === 'pending')).toBe(true);
    const { rows: linked } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM citi_sync.transactions WHERE connection_id = 'c1' AND replaces_transaction_id IS NOT NULL`,
    );
    expect(linked[0]!.n).toBeGreaterThan(0);
    // Removed rows are not in the analysts' view.
    const { rows: inView } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics.transactions WHERE connection_id = 'c1'`);
    expect(inView[0]!.n).toBe(rows.length - removed.length);
  });
});

describe('sync engine on postgres: hard cases', () => {
  let db: Database;
  let drop: () => Promise<void>;
  let h: Harness;

  beforeEach(async () => {
    const t = await createTestDatabase();
    db = t.db;
    drop = t.drop;
    h = await harness(db);
  });
  afterEach(async () => {
    await h.close();
    await drop();
  });

  it('a row skipped by a mutation during pagination is present after the next sync', async () => {
    const { userId } = await h.connect('c1');
    h.sandbox.setFaults({ mutateDuringPagination: true });
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    h.sandbox.clearFaults();
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    expect(liveKeys(await storedTransactions(db, 'c1'))).toEqual(truthKeys(h.sandbox, userId, HISTORY_FROM));
  });

  it('a sync cut off at any page resumes from its checkpoint and ends exact', async () => {
    // Many pages in either dialect: 15-day windows (US v2 answers a whole window in one page, so there
    // a page is a window) and pages of 5 rows where Citi pages (Asia-Pacific v1: a window is left
    // part-way with its cursor).
    await h.close();
    h = await harness(db, { sandbox: { pageSize: 5 }, settings: { windowDays: 15 } });
    // One page per write transaction, so "cut after k committed pages" means k (give or take the one
    // batch each account has in flight), whatever the machine's speed: with the default batching a
    // fast fetcher let one transaction carry dozens of pages and a cut could find nothing left open.
    h.deps.batch = { minRows: 1, maxRows: 1, lingerMs: 0 };
    const { userId } = await h.connect('c1');
    // Every statement once `alive` says no fails, as if the process died there.
    const dying = (alive: () => boolean): Database => ({
      ...db,
      kind: db.kind,
      query: (t, p) => (alive() ? db.query(t, p) : Promise.reject(new Error('simulated crash'))),
      withSession: (fn) => db.withSession(fn),
      close: () => db.close(),
      transaction: (fn) => (alive() ? db.transaction(fn) : Promise.reject(new Error('simulated crash'))),
    });
    // No cut moves an account's watermark while a window of it is open (a cut may come in a later
    // run of an account that had finished, whose lookback windows are open under its old watermark).
    const watermarks = async () => {
      const { rows } = await db.query<{ account_id: string; watermark: string | null; open: boolean }>(
        `SELECT s.account_id, s.watermark::text AS watermark,
                EXISTS (SELECT 1 FROM citi_sync.sync_windows w WHERE w.connection_id = s.connection_id AND w.account_id = s.account_id) AS open
           FROM citi_sync.sync_state s WHERE s.connection_id = 'c1'`,
      );
      return rows;
    };
    // Pages the cut runs committed of accounts still on their first walk (no watermark yet).
    const firstWalkKept = new Map<string, number>();
    // One run cut after its first `cut.statements` statements or its first `cut.pages` committed
    // pages; its counters are its own, so what is left of a cut run stays dead. Returns its pages.
    const cutOff = async (cut: { statements: number } | { pages: number }) => {
      const before = new Map((await watermarks()).map((r) => [r.account_id, r.watermark]));
      let statements = 0;
      let pages = 0;
      const alive = () => ('pages' in cut ? pages < cut.pages : ++statements <= cut.statements);
      const onProgress = (e: ProgressEvent) => {
        if (e.type !== 'page') return;
        pages += 1;
        if ((before.get(e.accountId) ?? null) === null) firstWalkKept.set(e.accountId, (firstWalkKept.get(e.accountId) ?? 0) + 1);
      };
      const run = await syncConnection({ ...h.deps, db: dying(alive) }, 'c1', { trigger: 'cli', onProgress }).catch(() => ({ status: 'crashed' }));
      expect(run.status).not.toBe('succeeded');
      const moved = (await watermarks()).filter((r) => r.open && r.watermark !== (before.get(r.account_id) ?? null));
      expect(moved).toEqual([]);
      return pages;
    };
    const openWindows = async () => {
      const { rows } = await db.query<{ n: number; paged: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE pages > 0)::int AS paged FROM citi_sync.sync_windows`);
      return rows[0]!;
    };
    // Cut after the first few statements of a run: in its bookkeeping, or at its first pages.
    for (const statements of [3, 11, 45]) await cutOff({ statements });
    // Then cut right after the k-th page a run commits: those pages (with their checkpoints) stay.
    // Largest first, so the last cut still finds windows to leave open.
    let midWindow = 0;
    for (const k of [24, 8, 3, 1]) {
      expect(await cutOff({ pages: k })).toBeGreaterThanOrEqual(k);
      midWindow = Math.max(midWindow, (await openWindows()).paged);
    }
    expect((await openWindows()).n).toBeGreaterThan(0);
    const unfinished = (await watermarks()).filter((r) => r.open && r.watermark === null).map((r) => r.account_id);
    expect(unfinished.length).toBeGreaterThan(0);
    const resumed = await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    expect(resumed.status).toBe('succeeded');
    expect(liveKeys(await storedTransactions(db, 'c1'))).toEqual(truthKeys(h.sandbox, userId, HISTORY_FROM));
    const { rows: left } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.sync_windows`);
    expect(left[0]!.n).toBe(0);
    // The cut runs' records, left `running` by the "dead" process, were closed by the resume.
    const { rows: running } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.sync_runs WHERE status = 'running'`);
    expect(running[0]!.n).toBe(0);
    // Resumed, not restarted: of the accounts whose first walk was cut, no page the cut runs
    // committed was fetched again (a full walk fetches them all).
    let windows = 0;
    const full = await syncConnection(h.deps, 'c1', {
      trigger: 'cli',
      full: true,
      onProgress: (e) => {
        if (e.type === 'account-start') windows += e.windows;
      },
    });
    expect(full.status).toBe('succeeded');
    const pagesOf = (r: typeof full, only = unfinished) => r.accounts.filter((a) => only.includes(a.accountId)).reduce((s, a) => s + a.pages, 0);
    const kept = unfinished.reduce((s, id) => s + (firstWalkKept.get(id) ?? 0), 0);
    expect(kept).toBeGreaterThan(0);
    expect(pagesOf(resumed)).toBeLessThanOrEqual(pagesOf(full) - kept);
    // Where the bank pages a window (more pages than windows), some cut left a window mid-walk.
    const all = full.accounts.map((a) => a.accountId);
    if (pagesOf(full, all) > windows) expect(midWindow).toBeGreaterThan(0);
    expect(liveKeys(await storedTransactions(db, 'c1'))).toEqual(truthKeys(h.sandbox, userId, HISTORY_FROM));
  });

  it('a sync whose account task throws returns only once every other account has settled', async () => {
    await h.connect('c1');
    // The second account run to start fails to be recorded (its database went away at that moment):
    // that task throws outside syncAccount's own error handling, while the others are mid-walk.
    let accountRuns = 0;
    const flaky: Database = {
      ...db,
      kind: db.kind,
      query: (t, p) => {
        if (t.includes('INSERT INTO citi_sync.sync_runs') && p?.[1] != null && ++accountRuns === 2) return Promise.reject(new Error('simulated outage'));
        return db.query(t, p);
      },
      withSession: (fn) => db.withSession(fn),
      close: () => db.close(),
      transaction: (fn) => db.transaction(fn),
    };
    const error = await syncConnection({ ...h.deps, db: flaky }, 'c1', { trigger: 'cli' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String(error)).toContain('simulated outage');
    // Nothing of this sync is still running or still writing once it has thrown.
    const counts = async () => {
      const { rows } = await db.query<{ running: number; txns: number }>(
        `SELECT (SELECT count(*)::int FROM citi_sync.sync_runs WHERE account_id IS NOT NULL AND status = 'running') AS running,
                (SELECT count(*)::int FROM citi_sync.transactions) AS txns`,
      );
      return rows[0]!;
    };
    const atThrow = await counts();
    expect(atThrow.running).toBe(0);
    // Its connection run is closed as failed with the reason, not left for the next sync's sweep.
    const { rows: conn } = await db.query<{ status: string; error: string }>(`SELECT status, error FROM citi_sync.sync_runs WHERE account_id IS NULL`);
    expect(conn).toEqual([{ status: 'failed', error: expect.stringContaining('simulated outage') }]);
    expect(atThrow.txns).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await counts()).toEqual(atThrow);
  });

  it('keeps the same transaction id in two accounts apart', async () => {
    const user = h.sandbox.users[0]!;
    const checking = h.sandbox.truth(user.userId).accounts.filter((x) => x.type === 'checking').map((x) => x.accountId);
    const other = h.sandbox.truth(h.sandbox.users[1]!.userId).accounts.find((x) => x.type === 'checking')!.accountId;
    // Two checking accounts: two of one user when there are, else one from each of two users.
    const [a, b] = checking.length >= 2 ? [checking[0]!, checking[1]!] : [checking[0]!, other];
    const body = JSON.stringify({
      checkingAccountTransactions: [
        { transactionId: 'SAME-1', accountId: 'x', transactionDate: '2026-11-20', transactionPostingDate: '2026-11-20', transactionAmount: 5, debitCreditMemo: 'DEBIT', currencyCode: 'USD', transactionStatus: 'POSTED', transactionDescription: 'SHARED ID' },
      ],
      nextStartIndex: '',
    });
    h.sandbox.setAccountResponse(a, { status: 200, body });
    h.sandbox.setAccountResponse(b, { status: 200, body });
    await h.connect('c1', 0);
    await h.connect('c2', 1);
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    await syncConnection(h.deps, 'c2', { trigger: 'cli' });
    const { rows } = await db.query<{ account_id: string }>(`SELECT account_id FROM citi_sync.transactions WHERE transaction_id = 'SAME-1' ORDER BY 1`);
    expect(rows.map((r) => r.account_id)).toEqual([a, b].sort());
  });

  it('gives rows without transactionId stable synthetic keys; a re-sync writes nothing', async () => {
    const user = h.sandbox.users[0]!;
    const truth = h.sandbox.truth(user.userId).accounts.find((x) => x.type === 'creditCard' && x.transactions.length > 0)!;
    h.sandbox.setAccountShape(truth.accountId, 'noIds');
    await h.connect('c1');
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    const { rows } = await db.query<{ n: number; syn: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE id_synthetic)::int AS syn FROM citi_sync.transactions WHERE account_id = $1 AND removed_at IS NULL`,
      [truth.accountId],
    );
    const expected = truth.transactions.filter((t) => t.transactionDate >= HISTORY_FROM).length;
    expect(rows[0]).toEqual({ n: expected, syn: expected });
    const before = await rowVersions(db);
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    expect(await rowVersions(db)).toEqual(before);
  });

  it('stores JPY, BHD and home-currency amounts exactly, signed per the contract', async () => {
    const { userId } = await h.connect('c1');
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    const truth = h.sandbox.truth(userId).accounts;
    const { rows } = await db.query<{ account_id: string; transaction_id: string; amount: string; currency_code: string }>(
      `SELECT account_id, transaction_id, amount, currency_code FROM citi_sync.transactions WHERE connection_id = 'c1'`,
    );
    const byId = new Map(rows.map((r) => [`${r.account_id}|${r.transaction_id}`, r]));
    const currencies = new Set<string>();
    for (const a of truth) {
      for (const t of a.transactions) {
        const r = byId.get(`${a.accountId}|${t.transactionId}`);
        if (!r) continue;
        currencies.add(r.currency_code);
        expect(r.amount).toBe(t.signedAmount);
        if (r.currency_code === 'JPY') expect(r.amount).not.toContain('.');
      }
    }
    const home = { US: 'USD', SG: 'SGD', HK: 'HKD', AU: 'AUD', IN: 'INR' }[COUNTRY] ?? 'USD';
    expect([...currencies].sort()).toEqual(expect.arrayContaining(['BHD', 'JPY', home]));
  });

  it('persists the rotated refresh token and never reuses one', async () => {
    await h.connect('c1');
    const { rows: before } = await db.query<{ r: string }>(`SELECT refresh_token_enc AS r FROM citi_sync.connections WHERE id = 'c1'`);
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    h.sandbox.expireAccessTokens();
    await syncConnection(h.deps, 'c1', { trigger: 'cli' });
    const { rows: after } = await db.query<{ r: string }>(`SELECT refresh_token_enc AS r FROM citi_sync.connections WHERE id = 'c1'`);
    expect(h.cipher.decrypt(after[0]!.r)).not.toBe(h.cipher.decrypt(before[0]!.r));
    expect(h.sandbox.stats().refreshes).toBeGreaterThanOrEqual(2);
    expect(h.sandbox.stats().refreshTokenReuse).toBe(0);
  });

  it('marks the connection needs_reauth on invalid_grant and does not retry', async () => {
    const user = h.sandbox.users[0]!;
    const t = await h.sandbox.issueTokens(user.userId);
    const { addConnection } = await import('../../src/auth/consent.ts');
    await addConnection(db, h.cipher, { id: 'c1', refreshToken: t.refresh_token, country: COUNTRY });
    await h.client.oauth.revoke(t.refresh_token, 'refresh_token');
    await expect(syncConnection(h.deps, 'c1', { trigger: 'cli' })).rejects.toBeInstanceOf(ConnectionUnusableError);
    const { rows } = await db.query<{ status: string }>(`SELECT status FROM citi_sync.connections WHERE id = 'c1'`);
    expect(rows[0]!.status).toBe('needs_reauth');
    const refreshes = h.sandbox.stats().refreshes;
    await expect(syncConnection(h.deps, 'c1', { trigger: 'cli' })).rejects.toBeInstanceOf(ConnectionUnusableError);
    expect(h.sandbox.stats().refreshes).toBe(refreshes);
  });

  it('two concurrent syncs of one connection: one refresh at a time, no reuse, exact data', async () => {
    const { userId } = await h.connect('c1');
    const [a, b] = await Promise.all([
      syncConnection(h.deps, 'c1', { trigger: 'cli', waitMs: 60_000 }),
      syncConnection({ ...h.deps }, 'c1', { trigger: 'cli', waitMs: 60_000 }),
    ]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    const stats = h.sandbox.stats();
    expect(stats.refreshTokenReuse).toBe(0);
    expect(stats.maxConcurrentRefreshesPerGrant).toBeLessThanOrEqual(1);
    expect(liveKeys(await storedTransactions(db, 'c1'))).toEqual(truthKeys(h.sandbox, userId, HISTORY_FROM));
  });
});

void TODAY;
