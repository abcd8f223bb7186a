/**
 * The API floor: the same requests the engine makes for a backfill (account list, every window's
 * pages, card statements), sent over the same kind of keep-alive undici Pool, each body JSON.parsed
 * and nothing else. No validation, no normalization, no database: what fetching alone costs.
 */
import { randomUUID } from 'node:crypto';
import { Pool, type Dispatcher } from 'undici';
import pLimit from 'p-limit';
import { dialectFor, splitWindows } from '../../src/citi/index.ts';
import { syncRange } from '../../src/sync/plan.ts';

export interface ApiFloorInput {
  baseUrl: string;
  clientId: string;
  accessToken: string;
  today: string;
  historyMonths: number;
  windowDays?: number | undefined;
  /** Window walks in flight at once; 1 = strictly one request after another. */
  concurrency: number;
  /**
   * Instead of `concurrency` walks from any account: this many accounts at once, each walking its
   * windows one after another (the issue's "4 accounts in flight").
   */
  accountsInFlight?: number;
  /** The market the simulator speaks (its paths, listing and windows). @defaultValue 'US' */
  country?: string;
}

export interface ApiFloorResult {
  ms: number;
  requests: number;
  transactionPages: number;
  transactionRows: number;
  statementRequests: number;
  /** Requests sent again after the connection dropped before any answer (not counted in `requests`). */
  retries: number;
}

/** undici's and the socket's codes for a connection that closed before an answer: safe to resend a GET. */
const RETRYABLE = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);
const MAX_ATTEMPTS = 4;

/** Asia-Pacific `accounts[].{kind}AccountSummary`; US `{kind}AccountsDetails[]` / `{kind}AccountsSummary[]`. */
const AP_ENTRY = /^(.+)AccountSummary$/;
const US_ARRAY = /^(.+)Accounts(?:Details|Summary)$/;

/** The accounts of one listing page, either dialect: just the id and kind, nothing validated. */
function listed(body: Record<string, unknown>): Listed[] {
  const out: Listed[] = [];
  const groups = (body.accountGroupDetails ?? body.accountGroupSummary ?? []) as Array<Record<string, unknown>>;
  for (const g of groups) {
    for (const [key, value] of Object.entries(g)) {
      const us = US_ARRAY.exec(key);
      if (us && Array.isArray(value)) for (const a of value as Array<{ accountId: string }>) out.push({ accountId: a.accountId, type: us[1]! });
    }
    for (const entry of (g.accounts ?? []) as Array<Record<string, { accountId: string }>>) {
      const [key, summary] = Object.entries(entry)[0]!;
      out.push({ accountId: summary.accountId, type: AP_ENTRY.exec(key)?.[1] ?? 'unknown' });
    }
  }
  return out;
}

/** Rows of one transactions answer: `{kind}AccountTransactions`, or SG's `transaction`, India's `transactions`. */
function rowCount(body: Record<string, unknown>, type: string): number {
  const rows = body[`${type}AccountTransactions`] ?? body.transaction ?? body.transactions;
  return Array.isArray(rows) ? rows.length : rows ? 1 : 0;
}

interface Listed {
  accountId: string;
  type: string;
}

export async function apiFloor(input: ApiFloorInput): Promise<ApiFloorResult> {
  const dialect = dialectFor(input.country ?? 'US');
  const base = new URL(input.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  // The engine's HttpTransport: one Pool per origin, 32 keep-alive sockets.
  const pool = new Pool(base.origin, { connections: 32 });
  const result: ApiFloorResult = { ms: 0, requests: 0, transactionPages: 0, transactionRows: 0, statementRequests: 0, retries: 0 };
  const get = async (path: string): Promise<Record<string, unknown>> => {
    for (let attempt = 1; ; attempt++) {
      let res: Dispatcher.ResponseData;
      let text: string;
      try {
        res = await pool.request({
          method: 'GET',
          path: basePath + path,
          headers: { authorization: `Bearer ${input.accessToken}`, client_id: input.clientId, uuid: randomUUID(), accept: 'application/json' },
        });
        text = await res.body.text();
      } catch (err) {
        // The simulator closes a keep-alive socket that was idle past its keepAliveTimeout. A request
        // already written to such a socket fails "other side closed" with no answer: when the
        // simulator's process is starved (a quick run overlaps every scenario on a shared machine),
        // its keep-alive timer fires before it reads the waiting request. The engine's transport
        // retries a GET dropped before any answer (src/citi/errorMapping.ts), so the floor does too.
        if (attempt < MAX_ATTEMPTS && RETRYABLE.has((err as { code?: string }).code ?? '')) {
          result.retries += 1;
          continue;
        }
        throw new Error(`API floor: GET ${path} failed after ${attempt} attempt(s): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      result.requests += 1;
      // US v2 answers an empty window 204 (contract §4).
      if (res.statusCode === 204) return {};
      if (res.statusCode !== 200) throw new Error(`API floor: ${res.statusCode} for ${path}: ${text.slice(0, 200)}`);
      return JSON.parse(text) as Record<string, unknown>;
    }
  };
  const withCursor = (path: string, cursor: string | null) => (cursor ? `${path}${path.includes('?') ? '&' : '?'}nextStartIndex=${encodeURIComponent(cursor)}` : path);
  const next = (body: Record<string, unknown>): string | null => (typeof body.nextStartIndex === 'string' && body.nextStartIndex !== '' ? body.nextStartIndex : null);

  const t0 = performance.now();
  try {
    const accounts: Listed[] = [];
    let cursor: string | null = null;
    do {
      const body = await get(withCursor(dialect.accountPaths[0]!, cursor));
      accounts.push(...listed(body));
      cursor = next(body);
    } while (cursor !== null);

    const range = syncRange({ today: input.today, watermark: null, full: true, historyMonths: input.historyMonths, lookbackDays: 0 });
    const walks: Array<() => Promise<void>> = [];
    const perAccount: Array<Array<() => Promise<void>>> = [];
    for (const a of accounts) {
      const first = walks.length;
      const windows = splitWindows(range.from, range.to, dialect.maxWindow(a.type), { windowDays: input.windowDays }).reverse();
      const query = new URLSearchParams(dialect.transactionQuery).toString();
      for (const w of windows) {
        walks.push(async () => {
          const path = `${dialect.transactionsPath(a.accountId)}?transactionFromDate=${w.from}&transactionToDate=${w.to}${query ? `&${query}` : ''}`;
          let c: string | null = null;
          do {
            const body = await get(withCursor(path, c));
            result.transactionPages += 1;
            result.transactionRows += rowCount(body, a.type);
            c = next(body);
          } while (c !== null);
        });
      }
      if (a.type === 'creditCard' && dialect.statementsOffered) {
        walks.push(async () => {
          const list = dialect.statementsPath(a.accountId);
          let c: string | null = null;
          const ids: string[] = [];
          do {
            const body = await get(withCursor(list, c));
            result.statementRequests += 1;
            for (const s of body.statementList as Array<{ statementId: string }>) ids.push(s.statementId);
            c = next(body);
          } while (c !== null);
          for (const id of ids) {
            let sc: string | null = null;
            do {
              const body = await get(withCursor(dialect.statementPath(a.accountId, id), sc));
              result.statementRequests += 1;
              sc = next(body.creditCardStatement as Record<string, unknown>);
            } while (sc !== null);
          }
        });
      }
      perAccount.push(walks.slice(first));
    }
    // After one walk fails no new one starts, and the pool is closed only once those in flight have
    // settled: the first error is the one reported, not a cascade of "client is closed".
    let failed = false;
    const guard = async (w: () => Promise<void>): Promise<void> => {
      if (failed) return;
      try {
        await w();
      } catch (err) {
        failed = true;
        throw err;
      }
    };
    const limit = pLimit(input.accountsInFlight ?? input.concurrency);
    const settled = input.accountsInFlight
      ? await Promise.allSettled(
          perAccount.map((ws) =>
            limit(async () => {
              for (const w of ws) await guard(w);
            }),
          ),
        )
      : await Promise.allSettled(walks.map((w) => limit(() => guard(w))));
    const firstError = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (firstError) throw firstError.reason;
  } finally {
    result.ms = performance.now() - t0;
    await pool.close();
  }
  return result;
}
