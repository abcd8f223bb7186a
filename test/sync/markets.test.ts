import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { CitiClient, type HttpRequest, type HttpResponse } from '../../src/citi/index.ts';
import { addConnection } from '../../src/auth/consent.ts';
import type { Database } from '../../src/db/database.ts';
import { syncConnection, type SyncDeps } from '../../src/sync/index.ts';
import { MAX_STATEMENTS_PER_SYNC, STATEMENTS_NOT_OFFERED } from '../../src/sync/statements.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { FakeTransport, RecordingGate } from '../citi/unit/fakeWire.ts';

/**
 * The market of each connection drives its sync (issue 11 items 1, 3, 7, 8), on a scripted wire so
 * every request can be checked: paths, the bank's date in the market's time zone, history limits,
 * window sizes, statements only where offered, repeated ids and entries not synced on the run record.
 */

// 02:30 UTC on 26 November: still the 25th in New York, already the 26th in Singapore.
const NOW = new Date('2026-11-26T02:30:00Z');

const json = (status: number, body: unknown): HttpResponse => ({ status, headers: {}, body: JSON.stringify(body) });
const noContent: HttpResponse = { status: 204, headers: {}, body: '' };
const TOKEN = { access_token: 'AT', refresh_token: 'RT2', expires_in: 1800, refresh_token_expires_in: 2592000, token_type: 'bearer' };

function query(req: HttpRequest): URLSearchParams {
  return new URL(req.path, 'http://x').searchParams;
}

describe('markets: a connection syncs in its own dialect', () => {
  let db: Database;
  let drop: () => Promise<void>;
  let logLines: Array<Record<string, unknown>>;

  beforeEach(async () => {
    ({ db, drop } = await createTestDatabase());
    logLines = [];
  });
  afterEach(async () => {
    await drop();
  });

  async function setup(country: string, respond: (req: HttpRequest) => HttpResponse, settings: Partial<SyncDeps['settings']> = {}) {
    const cipher = new TokenCipher(randomBytes(32));
    await addConnection(db, cipher, { id: 'c1', refreshToken: 'RT1', country });
    const transport = new FakeTransport((req) => (req.path.startsWith('/authCode/') ? json(200, TOKEN) : respond(req)));
    // The deployment's default market is the other one: the connection's country must win.
    const client = new CitiClient({ baseUrl: 'https://citi.invalid/gcb/api', clientId: 'cid', clientSecret: 'cs', gate: new RecordingGate(), transport, country: country === 'US' ? 'SG' : 'US', retryBaseMs: 1, retryMaxMs: 2 });
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) });
    const deps: SyncDeps = {
      db,
      client,
      cipher,
      logger: pino({ level: 'info' }, sink),
      settings: { historyMonths: Number.POSITIVE_INFINITY, lookbackDays: 14, windowConcurrency: 2, accountConcurrency: 2, ...settings },
      now: () => NOW,
    };
    return { transport, deps };
  }

  async function runWarnings(accountId: string | null): Promise<string[]> {
    const { rows } = await db.query<{ warnings: string[] }>(
      `SELECT warnings FROM citi_sync.sync_runs WHERE connection_id = 'c1' AND account_id IS NOT DISTINCT FROM $1`,
      [accountId],
    );
    return rows.flatMap((r) => r.warnings);
  }

  it('US: /v2 paths, windows end at the New York date, 24 months back, 204 is empty, a date-range 400 clamps once, no statements, a repeated id reported', async () => {
    const listing = {
      accountGroupDetails: [
        {
          accountGroup: 'CHECKING',
          checkingAccountsDetails: [{ accountId: 'A1', currencyCode: 'USD', accountStatus: 'ACTIVE', balanceType: 'ASSET', currentBalance: '100.10' }],
          savingsAccountsDetails: [{ accountId: 'A1', currencyCode: 'USD', accountStatus: 'ACTIVE', balanceType: 'ASSET', currentBalance: 5 }],
        },
        { accountGroup: 'CREDITCARD', creditCardAccountsDetails: { accountId: 'C1', currencyCode: 'USD', balanceType: 'LIABILITY', currentBalance: 12 } },
      ],
    };
    let refusedOnce = false;
    const { transport, deps } = await setup('US', (req) => {
      if (req.path === '/v2/accounts/details') return json(200, listing);
      const q = query(req);
      if (req.path.startsWith('/v2/accounts/A1/transactions') && q.get('transactionToDate') === '2026-11-25') {
        if (!refusedOnce) {
          refusedOnce = true;
          return json(400, { errors: [{ type: 'error', code: 'tranxToDateAfterCurrDate', details: 'Transaction to date should not be after current date.' }] });
        }
        return json(404, { errors: [{ type: 'error', code: 'resourceNotFound' }] });
      }
      if (req.path.startsWith('/v2/accounts/A1/transactions') && q.get('transactionToDate') === '2026-11-24') {
        return json(200, {
          checkingAccountTransactions: [
            { transactionId: 'T1', transactionDate: '2026-11-20', transactionAmount: 25, debitCreditMemo: 'CREDIT', transactionType: 'DEPOSIT', transactionStatus: 'POSTED', currencyCode: 'USD' },
            { transactionId: 'T2', transactionDate: '2026-11-21', transactionAmount: '7.50', debitCreditMemo: 'DEBIT', transactionStatus: 'POSTED', currencyCode: 'USD' },
          ],
        });
      }
      if (req.path.includes('/transactions')) return noContent;
      return json(404, { httpCode: '404', httpMessage: 'Not Found', moreInformation: 'No resources match requested URI' });
    });
    const result = await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(result.accounts.map((a) => [a.accountId, a.status, a.error ?? null])).toEqual([
      ['A1', 'succeeded', null],
      ['C1', 'succeeded', null],
    ]);
    expect(result.status).toBe('succeeded');
    const paths = transport.requests.filter((r) => r.method === 'GET').map((r) => r.path);
    expect(paths.some((p) => p.includes('statements'))).toBe(false);
    expect(paths.every((p) => p.startsWith('/v2/'))).toBe(true);
    const windows = paths.filter((p) => p.includes('/transactions')).map((p) => [new URL(p, 'http://x').searchParams.get('transactionFromDate')!, new URL(p, 'http://x').searchParams.get('transactionToDate')!]);
    // 24 months back from the bank's date (the 25th in New York), a year per call, never past it but for the one refused.
    expect(windows.map(([f]) => f).sort()[0]).toBe('2024-11-26');
    expect(windows.map(([, t]) => t).sort().at(-1)).toBe('2026-11-25');
    expect(windows.filter(([, t]) => t === '2026-11-25')).toHaveLength(2 /* A1 refused, C1 */);
    const { rows } = await db.query<{ account_id: string; transaction_id: string; amount: string }>(
      `SELECT account_id, transaction_id, amount::text FROM citi_sync.transactions ORDER BY transaction_id`,
    );
    expect(rows).toEqual([
      { account_id: 'A1', transaction_id: 'T1', amount: '25' },
      { account_id: 'A1', transaction_id: 'T2', amount: '-7.5' },
    ]);
    const { rows: accounts } = await db.query<{ account_id: string; account_type: string }>(`SELECT account_id, account_type FROM citi_sync.accounts ORDER BY account_id`);
    expect(accounts).toEqual([
      { account_id: 'A1', account_type: 'checking' },
      { account_id: 'C1', account_type: 'creditCard' },
    ]);
    const repeated = 'account id A1 is listed as checking, savings: only the checking account is synced, not merged';
    expect(await runWarnings(null)).toEqual([repeated]);
    expect(logLines.filter((l) => l.msg === 'the account listing needs a look').map((l) => l.warnings)).toEqual([[repeated]]);
  });

  it('SG: /v1 paging, the Singapore date, 12 months (more is capped with one warning), 90-day card windows, statements 404 once, insurance not synced', async () => {
    const listing = {
      accountGroupSummary: [
        { accountGroup: 'CREDIT_CARD', accounts: [{ creditCardAccountSummary: { accountId: 'C2', currencyCode: 'SGD', accountStatus: 'ACTIVE', accountClassification: 'LIABILITY', outstandingBalance: '610.41' } }] },
        { accountGroup: 'INSURANCE', insurancePolicies: [{ accountId: 'INS1', productName: 'Travel' }] },
      ],
      nextStartIndex: '',
    };
    const { transport, deps } = await setup('SG', (req) => {
      if (req.path === '/v1/accounts') return json(200, listing);
      if (req.path.startsWith('/v1/accounts/C2/statements')) return json(404, { type: 'error', code: 'resourceNotFound', details: 'no statements' });
      if (req.path.startsWith('/v1/accounts/C2/transactions')) {
        const q = query(req);
        if (q.get('transactionToDate') !== '2026-11-26') return json(200, { transaction: [], nextStartIndex: '' });
        if (q.get('nextStartIndex') === null) {
          return json(200, { transaction: { transactionId: 'P1', transactionDate: '2026-11-25', transactionAmount: 20, debitCreditMemo: 'CREDIT', transactionType: 'PAYMENT', currencyCode: 'SGD', transactionStatus: 'POSTED' }, nextStartIndex: '1' });
        }
        return json(200, { transaction: [{ transactionId: 'P2', transactionDate: '2026-11-26', transactionAmount: 3.2, transactionType: 'PURCHASE', currencyCode: 'SGD', transactionStatus: 'PENDING' }], nextStartIndex: null });
      }
      return json(404, {});
    }, { historyMonths: 24 });
    const result = await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(result.accounts.map((a) => [a.accountId, a.status, a.warnings ?? []])).toEqual([['C2', 'succeeded', [STATEMENTS_NOT_OFFERED]]]);
    const windows = transport.requests
      .filter((r) => r.path.includes('/transactions') && !query(r).get('nextStartIndex'))
      .map((r) => [query(r).get('transactionFromDate')!, query(r).get('transactionToDate')!] as const)
      .sort();
    expect(windows[0]![0]).toBe('2025-11-27');
    expect(windows.at(-1)![1]).toBe('2026-11-26');
    for (const [f, t] of windows) expect((Date.parse(t) - Date.parse(f)) / 86_400_000).toBeLessThan(90);
    expect(transport.requests.filter((r) => r.path.includes('/statements'))).toHaveLength(1);
    const { rows } = await db.query<{ transaction_id: string; amount: string; status: string }>(`SELECT transaction_id, amount::text, status FROM citi_sync.transactions ORDER BY 1`);
    expect(rows).toEqual([
      { transaction_id: 'P1', amount: '20', status: 'posted' },
      { transaction_id: 'P2', amount: '-3.2', status: 'pending' },
    ]);
    expect(await runWarnings(null)).toEqual(['insurancePolicies INS1 in group INSURANCE is not synced']);
    expect(await runWarnings('C2')).toEqual([STATEMENTS_NOT_OFFERED]);
    const capped = logLines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('CITI_HISTORY_MONTHS=24'));
    expect(capped.map((l) => l.msg)).toEqual(['CITI_HISTORY_MONTHS=24 is beyond what SG (Asia-Pacific v1) serves: syncing 12 months']);
    const { rows: country } = await db.query<{ country: string }>(`SELECT country FROM citi_sync.connections WHERE id = 'c1'`);
    expect(country).toEqual([{ country: 'SG' }]);
  });

  it('a card without statements is remembered: later syncs do not ask or warn; a month on, one request checks again', async () => {
    const listing = {
      accountGroupSummary: [
        { accountGroup: 'CREDIT_CARD', accounts: [{ creditCardAccountSummary: { accountId: 'C2', currencyCode: 'SGD', accountStatus: 'ACTIVE', outstandingBalance: '1.00' } }] },
      ],
    };
    let offered = false;
    const { transport, deps } = await setup('SG', (req) => {
      if (req.path === '/v1/accounts') return json(200, listing);
      if (req.path.startsWith('/v1/accounts/C2/statements')) {
        return offered ? json(200, { statementList: [], nextStartIndex: '' }) : json(404, { type: 'error', code: 'resourceNotFound', details: 'no statements' });
      }
      if (req.path.startsWith('/v1/accounts/C2/transactions')) return json(200, { transaction: [], nextStartIndex: '' });
      return json(404, {});
    });
    const statementCalls = () => transport.requests.filter((r) => r.path.includes('/statements')).length;
    const markedAt = async () =>
      (await db.query<{ at: Date | null }>(`SELECT statements_not_offered_at AS at FROM citi_sync.accounts WHERE account_id = 'C2'`)).rows[0]?.at ?? null;

    await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(statementCalls()).toBe(1);
    expect(await markedAt()).toEqual(NOW);
    const second = await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(second.accounts.map((a) => [a.accountId, a.status, a.warnings ?? []])).toEqual([['C2', 'succeeded', []]]);
    expect(statementCalls()).toBe(1);
    expect(await runWarnings('C2')).toEqual([STATEMENTS_NOT_OFFERED]);

    // 31 days on, still not offered: asked once, the mark moves on, no second warning.
    const later = new Date(NOW.getTime() + 31 * 86_400_000);
    deps.now = () => later;
    await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(statementCalls()).toBe(2);
    expect(await markedAt()).toEqual(later);
    expect(await runWarnings('C2')).toEqual([STATEMENTS_NOT_OFFERED]);

    // Another month on, the card offers statements: the mark is cleared and they are asked every sync.
    offered = true;
    const muchLater = new Date(later.getTime() + 31 * 86_400_000);
    deps.now = () => muchLater;
    await syncConnection(deps, 'c1', { trigger: 'cli' });
    await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(statementCalls()).toBe(4);
    expect(await markedAt()).toBeNull();
  });

  it("statements: each fetched once, at most MAX_STATEMENTS_PER_SYNC per sync; a listing without statementList fails the account", async () => {
    const listing = {
      accountGroupSummary: [
        { accountGroup: 'CREDIT_CARD', accounts: [{ creditCardAccountSummary: { accountId: 'C2', currencyCode: 'SGD', accountStatus: 'ACTIVE', outstandingBalance: '1.00' } }] },
      ],
    };
    // 30 statements, each listed twice: a listing as long as Citi likes was as many requests per sync.
    const ids = Array.from({ length: 30 }, (_, i) => `S${String(i).padStart(2, '0')}`);
    let listBody: unknown = { statementList: [...ids, ...ids].map((statementId) => ({ statementId, statementDate: '2026-10-25' })), nextStartIndex: '' };
    const { transport, deps } = await setup('SG', (req) => {
      if (req.path === '/v1/accounts') return json(200, listing);
      if (req.path.startsWith('/v1/accounts/C2/statements/')) return json(200, { creditCardStatement: { statementDate: '2026-10-25', statementSummary: { outstandingBalance: '1.00' }, transactions: [] } });
      if (req.path.startsWith('/v1/accounts/C2/statements')) return json(200, listBody);
      if (req.path.startsWith('/v1/accounts/C2/transactions')) return json(200, { transaction: [], nextStartIndex: '' });
      return json(404, {});
    });
    const detailCalls = () => transport.requests.filter((r) => r.path.startsWith('/v1/accounts/C2/statements/')).length;
    const stored = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.statements`)).rows[0]?.n;

    const first = await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(first.accounts.map((a) => [a.status, a.warnings])).toEqual([['succeeded', [`6 statements left for the next sync (at most ${MAX_STATEMENTS_PER_SYNC} fetched per sync)`]]]);
    expect([detailCalls(), await stored()]).toEqual([MAX_STATEMENTS_PER_SYNC, MAX_STATEMENTS_PER_SYNC]);
    await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect([detailCalls(), await stored()]).toEqual([30, 30]);

    // Another envelope (or an error object sent with 200) is not "no statements".
    listBody = { statements: ids.map((statementId) => ({ statementId })) };
    const third = await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(third.accounts.map((a) => [a.status, a.errorAction])).toEqual([['failed', 'retry']]);
    expect(third.accounts[0]?.error).toMatch(/malformed response from \/v1\/accounts\/C2\/statements: statementList/);
    expect(await stored()).toBe(30);
  });

  it('an unknown envelope fails the listing with the keys it found, and stores nothing', async () => {
    const { deps } = await setup('US', (req) => (req.path === '/v2/accounts/details' ? json(200, { accountList: [{ id: 'X' }], customer: {} }) : noContent));
    const result = await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(result.status).toBe('failed');
    expect(result.error).toBe(
      'MalformedResponseError: malformed response from /v2/accounts/details: body: no accountGroupDetails or accountGroupSummary; found keys: accountList, customer (got {"accountList":[{"id":"X"}],"customer":{}})',
    );
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM citi_sync.accounts`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('an unknown transactions envelope fails that account, naming the keys it found', async () => {
    const { deps } = await setup('US', (req) => {
      if (req.path === '/v2/accounts/details') return json(200, { accountGroupDetails: [{ accountGroup: 'CHECKING', checkingAccountsDetails: [{ accountId: 'A1', currencyCode: 'USD' }] }] });
      return json(200, { data: [], meta: { count: 0 } });
    });
    const result = await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect(result.accounts.map((a) => [a.accountId, a.status])).toEqual([['A1', 'failed']]);
    expect(result.accounts[0]!.error).toContain('body: no checkingAccountTransactions, transaction or transactions array; found keys: data, meta');
  });

  it('400 noAccounts is a connection with no accounts, not a failure', async () => {
    const { deps } = await setup('US', () => json(400, { errors: [{ type: 'error', code: 'noAccounts', details: 'No active accounts' }] }));
    const empty = await syncConnection(deps, 'c1', { trigger: 'cli' });
    expect([empty.status, empty.accounts]).toEqual(['succeeded', []]);
  });
});
