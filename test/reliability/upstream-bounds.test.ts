import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CitiClient } from '../../src/citi/index.ts';
import type { Logger } from '../../src/log/logger.ts';
import { syncConnection } from '../../src/sync/index.ts';
import { TEST_COUNTRY } from '../helpers/country.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { lines, runCli } from './support/cli.ts';
import { clientThroughProxy, startHostileProxy, type HostileProxy } from './support/hostileProxy.ts';
import { inProcWorld, type InProcWorld } from './support/inproc.ts';
import { relWorld, type RelWorld } from './support/world.ts';

/**
 * Issue 10: a broken or hostile upstream meets a bound everywhere (items 3, 4, 7, 10, 11, 13). The
 * simulator sits behind a hostile proxy (support/hostileProxy.ts); the request deadline and body cap
 * (item 8) are proved against a hostile server in test/citi/unit/http-bounds.test.ts.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

interface Line {
  level: string;
  msg: string;
  obj: object;
}
function recordingLogger(out: Line[]): Logger {
  const make = (): Logger =>
    ({
      child: () => make(),
      trace: () => {},
      debug: () => {},
      info: (obj: object, msg?: string) => out.push({ level: 'info', obj, msg: msg ?? '' }),
      warn: (obj: object, msg?: string) => out.push({ level: 'warn', obj, msg: msg ?? '' }),
      error: (obj: object, msg?: string) => out.push({ level: 'error', obj, msg: msg ?? '' }),
      fatal: () => {},
    }) as unknown as Logger;
  return make();
}

describe('a paging loop, then the poisoned checkpoint it leaves (items 4 and 13)', () => {
  let w: InProcWorld;
  let proxy: HostileProxy;
  let client: CitiClient;
  const transactionRequests: string[] = [];
  const logs: Line[] = [];
  let accountId: string;
  let userId: string;

  beforeAll(async () => {
    // One checking account, one window (11 months), 10-row pages: about 20 pages when healthy.
    // Paging (and so a cursor to loop or checkpoint) exists only in Asia-Pacific v1: the simulator
    // and the client both speak SG.
    w = await inProcWorld({
      db: await createTestDatabase(),
      sandbox: { country: 'SG', profile: { users: 1, accountsPerUser: 1, transactionsPerAccount: 200, historyMonths: 12 }, pageSize: 10 },
      historyMonths: 11,
    });
    proxy = await startHostileProxy(w.sandbox.url);
    client = clientThroughProxy(proxy, w.sandbox, {
      onRequest: (e) => {
        if (e.path.includes('/transactions')) transactionRequests.push(e.path);
      },
    });
    userId = await w.connect('c1');
    accountId = w.sandbox.users[0]!.accountIds[0]!;
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await w?.close();
  });

  const deps = () => ({ ...w.deps, client, logger: recordingLogger(logs) });
  const lastRun = async () =>
    (
      await w.db.query<{ status: string; error: string | null }>(
        `SELECT status, error FROM citi_sync.sync_runs WHERE connection_id = 'c1' AND account_id = $1 ORDER BY started_at DESC LIMIT 1`,
        [accountId],
      )
    ).rows[0]!;
  const checkpoint = async () =>
    (await w.db.query<{ cursor: string | null }>(`SELECT cursor FROM citi_sync.sync_windows WHERE connection_id = 'c1' AND account_id = $1`, [accountId])).rows;

  it('A → B → A: the window fails after 3 requests with a typed error naming the cursor count', async () => {
    proxy.mode = 'cursorLoop';
    const started = Date.now();
    const result = await syncConnection(deps(), 'c1', { trigger: 'manual' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.status).not.toBe('succeeded');
    if (process.env.SHOW_FIGURES) console.log({ loopMs: Date.now() - started, transactionRequests: transactionRequests.length });
    expect(transactionRequests).toHaveLength(3);
    const run = await lastRun();
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(
      /^PagingLoopError: Citi's paging looped on \/v1\/accounts\/[^ ?]+\/transactions\?transactionFromDate=\d{4}-\d{2}-\d{2}&transactionToDate=\d{4}-\d{2}-\d{2}: cursor "hostile-A" came back after 2 distinct cursors$/,
    );
    // The checkpoint holds the hostile cursor of the last stored page: the poison item 13 is about.
    expect(await checkpoint()).toEqual([{ cursor: 'hostile-B' }]);
  });

  it('upstream healthy again: the rejected cursor is discarded once, with a log line, and the window restarts', async () => {
    proxy.mode = 'off';
    transactionRequests.length = 0;
    logs.length = 0;
    const result = await syncConnection(deps(), 'c1', { trigger: 'manual' });
    expect(result.status).toBe('succeeded');
    expect((await lastRun()).status).toBe('succeeded');
    const healed = logs.filter((l) => l.msg === 'Citi rejected the checkpointed cursor; discarding it and restarting the window from its first page');
    expect(healed).toHaveLength(1);
    // One rejected resume, then the window from its first page to its end.
    expect(transactionRequests[0]).toContain('nextStartIndex=hostile-B');
    expect(transactionRequests[1]).not.toContain('nextStartIndex');
    expect(await checkpoint()).toEqual([]);
    const e = await w.exact('c1', userId);
    expect({ missing: e.missing, extra: e.extra, stale: e.stale }).toEqual({ missing: [], extra: [], stale: [] });
  });

  it('a checkpoint older than its age limit is not resumed', async () => {
    proxy.mode = 'cursorLoop';
    await syncConnection(deps(), 'c1', { trigger: 'manual' });
    expect(await checkpoint()).toEqual([{ cursor: 'hostile-B' }]);
    await w.db.query(`UPDATE citi_sync.sync_windows SET updated_at = now() - interval '25 hours' WHERE connection_id = 'c1'`);
    proxy.mode = 'off';
    transactionRequests.length = 0;
    logs.length = 0;
    const result = await syncConnection(deps(), 'c1', { trigger: 'manual' });
    expect(result.status).toBe('succeeded');
    expect(logs.filter((l) => l.msg === 'checkpoint too old to resume; restarting the window from its first page')).toHaveLength(1);
    expect(transactionRequests.some((p) => p.includes('hostile'))).toBe(false);
  });

  it('a checkpointed window that no longer fits the plan is dropped and the account planned again', async () => {
    // A window in the future of the sync's calendar (the world's today is 2026-11-25).
    await w.db.query(
      `INSERT INTO citi_sync.sync_windows (connection_id, account_id, window_from, window_to, cursor) VALUES ('c1', $1, '2027-01-01', '2027-01-31', 'hostile-A')`,
      [accountId],
    );
    transactionRequests.length = 0;
    logs.length = 0;
    const result = await syncConnection(deps(), 'c1', { trigger: 'manual' });
    expect(result.status).toBe('succeeded');
    expect(logs.filter((l) => l.msg === 'checkpointed windows no longer fit the plan; discarding them and planning again')).toHaveLength(1);
    expect(transactionRequests.some((p) => p.includes('2027-'))).toBe(false);
    expect(await checkpoint()).toEqual([]);
  });
});

describe('hostile upstream through the CLI (items 3, 10)', () => {
  let w: RelWorld;
  let proxy: HostileProxy;
  beforeAll(async () => {
    // The suite's market (US v2 unless CITI_COUNTRY says otherwise): the proxy is hostile in either dialect.
    w = await relWorld({ db: await createTestDatabase(), sandbox: { country: TEST_COUNTRY, profile: { users: 1, accountsPerUser: 3, transactionsPerAccount: 20 } } });
    await w.connect('c1');
    proxy = await startHostileProxy(w.sandbox.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await w?.close();
  });

  it('Retry-After of ten years: the sync ends at once, says what Citi asked for, and does not flood the log', async () => {
    proxy.mode = 'retryAfter';
    proxy.retryAfter = '315360000';
    const r = await runCli(['sync', '--connection', 'c1'], w.env({ CITI_API_BASE_URL: proxy.url }), 60_000);
    if (process.env.SHOW_FIGURES) console.log({ ms: r.ms, code: r.code, stderrLines: lines(r.stderr).length, requests: proxy.seen.retryAfter });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(30_000);
    expect(r.stderr).toContain('Citi asked to wait 315360000 s (3650 days) (Retry-After: "315360000"), longer than the 300 s allowed (CITI_MAX_RETRY_AFTER_S)');
    expect(lines(r.stderr).length).toBeLessThan(10);
    expect(proxy.seen.retryAfter).toBe(1);
  });

  it('an HTTP-date Retry-After past the cap: the same', async () => {
    proxy.mode = 'retryAfter';
    proxy.retryAfter = new Date(Date.now() + 3_650 * 86_400_000).toUTCString();
    const r = await runCli(['sync', '--connection', 'c1'], w.env({ CITI_API_BASE_URL: proxy.url, CITI_MAX_RETRY_AFTER_S: '60' }), 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Citi asked to wait \d+ s \(3650 days\) \(Retry-After: "[^"]+ GMT"\), longer than the 60 s allowed/);
  });

  it('ANSI escapes in an error body are never printed or stored', async () => {
    proxy.mode = 'ansi';
    const r = await runCli(['sync', '--connection', 'c1'], w.env({ CITI_API_BASE_URL: proxy.url }), 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain(`on /${TEST_COUNTRY === 'US' ? 'v2' : 'v1'}/accounts/`);
    expect(r.stderr + r.stdout).toContain(': screen cleared');
    expect(r.stderr + r.stdout).not.toMatch(CONTROL);
    const { rows } = await w.db.query<{ error: string }>(`SELECT error FROM citi_sync.sync_runs WHERE connection_id = 'c1' AND account_id IS NOT NULL AND error IS NOT NULL`);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      expect(row.error).toContain('screen cleared');
      expect(row.error).not.toMatch(CONTROL);
    }
  });
});

describe('hostile configuration (items 7, 11)', () => {
  const env = {
    CITI_CLIENT_ID: 'x',
    CITI_CLIENT_SECRET: 'y',
    CITI_SYNC_ENCRYPTION_KEY: '00'.repeat(32),
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/none',
  };
  it('http://127.evil.example is not loopback: exit 2, naming the key, nothing else printed', async () => {
    const r = await runCli(['sync'], { ...env, CITI_API_BASE_URL: 'http://127.evil.example/gcb/api' }, 60_000);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['citi-sync: invalid configuration: CITI_API_BASE_URL: must use https:// (plain http is allowed only for loopback addresses)']);
  });
  it('CITI_MAX_REQUESTS_PER_SECOND=1e-7: exit 2 at start-up, naming the key', async () => {
    const r = await runCli(['sync'], { ...env, CITI_MAX_REQUESTS_PER_SECOND: '1e-7' }, 60_000);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/CITI_MAX_REQUESTS_PER_SECOND: Too small: expected number to be >=0.01/);
  });
});
