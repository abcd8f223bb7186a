import { randomUUID } from 'node:crypto';
import { InvalidFieldError, MalformedResponseError } from './errors.ts';
import { DEFAULT_MAX_RETRY_AFTER_MS, RequestExecutor, type RequestEvent } from './executor.ts';
import type { RequestGate } from './gate.ts';
import { HttpTransport, type Timeouts, type TlsOptions, type Transport } from './http.ts';
import { normalizeAccount, normalizeStatement, normalizeStatementRef, normalizeTransaction, transactionsKeyFor, within } from './normalize.ts';
import { CitiOAuth } from './oauth.ts';
import { malformedFrom, parseJsonBody, validate } from './parse.ts';
import { accountsPageSchema, statementListSchema, statementResponseSchema, transactionsPageSchema } from './schemas.ts';
import { SyntheticKeyCounter } from './synthetic-keys.ts';
import type { AccessTokenProvider, CitiAccount, CitiLogger, CitiStatement, CitiStatementRef, CitiTransaction, TransactionPage } from './types.ts';
import { MAX_LIST_PAGES, PageGuard, pageCapForWindow } from './pageGuard.ts';
import { daysBetween, isWindowAllowed, lastDayOfWindow } from './windows.ts';

export interface CitiClientOptions {
  /** e.g. `https://sandbox.apihub.citi.com/gcb/api`; contract paths are appended to it. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The one request budget of this client (and, with a shared gate, of every process). */
  gate: RequestGate;
  /** @defaultValue a logger that drops everything */
  logger?: CitiLogger | undefined;
  /** Client certificate for production's two-way TLS. */
  tls?: TlsOptions | undefined;
  timeouts?: Partial<Timeouts> | undefined;
  /** Retries of transient failures (5xx, resets, timeouts, malformed bodies) per call. @defaultValue 5 */
  maxRetries?: number | undefined;
  /** 429s tolerated per call, each after the gate's Retry-After pause. @defaultValue 20 */
  max429Retries?: number | undefined;
  /** First backoff delay; doubles per retry, jittered ×1–2. @defaultValue 250 */
  retryBaseMs?: number | undefined;
  /** @defaultValue 30000 */
  retryMaxMs?: number | undefined;
  /** Longest Retry-After obeyed; a 429 asking for more fails the call (CITI_MAX_RETRY_AFTER_S). @defaultValue 300000 */
  maxRetryAfterMs?: number | undefined;
  /** Largest response body read (CITI_MAX_BODY_BYTES). @defaultValue 16 MiB */
  maxBodyBytes?: number | undefined;
  /** Metrics hook, called once per HTTP attempt. */
  onRequest?: ((e: RequestEvent) => void) | undefined;
  /** @defaultValue Date.now */
  now?: (() => number) | undefined;
  /** The wire. @defaultValue an undici HttpTransport built from baseUrl, tls and timeouts (tests pass a fake) */
  transport?: Transport | undefined;
}

export interface AccountRef {
  accountId: string;
  accountType: string;
  /** Fallback for transaction rows without `currencyCode`. */
  currencyCode?: string | undefined;
}

export interface TransactionPagesOptions {
  /** Resume a window walk at this cursor (a checkpoint's `nextStartIndex`). */
  startIndex?: string | undefined;
  /** Restored with the checkpoint when resuming; otherwise a fresh counter for this walk. */
  keys?: SyntheticKeyCounter | undefined;
  signal?: AbortSignal | undefined;
}

const noop = () => {};
const silent: CitiLogger = { debug: noop, info: noop, warn: noop, error: noop, child: () => silent };

/**
 * Citi's retail API (contract §2–§5): paged async generators over accounts, transactions and
 * statements, plus `.oauth` for token calls (§1). Every HTTP attempt goes through one gate and one
 * retry policy (executor.ts); every response is validated and normalized before it is yielded.
 */
export class CitiClient {
  readonly oauth: CitiOAuth;
  private readonly http: Transport & { close?: () => Promise<void> };
  private readonly executor: RequestExecutor;
  private readonly clientId: string;

  constructor(opts: CitiClientOptions) {
    const now = opts.now ?? Date.now;
    this.clientId = opts.clientId;
    this.http = opts.transport ?? new HttpTransport({ baseUrl: opts.baseUrl, tls: opts.tls, timeouts: opts.timeouts, maxBodyBytes: opts.maxBodyBytes });
    this.executor = new RequestExecutor({
      http: this.http,
      gate: opts.gate,
      logger: (opts.logger ?? silent).child({ component: 'citi-client' }),
      maxRetries: opts.maxRetries ?? 5,
      max429Retries: opts.max429Retries ?? 20,
      retryBaseMs: opts.retryBaseMs ?? 250,
      retryMaxMs: opts.retryMaxMs ?? 30_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
      onRequest: opts.onRequest,
      now,
    });
    this.oauth = new CitiOAuth({ baseUrl: opts.baseUrl, clientId: opts.clientId, clientSecret: opts.clientSecret, executor: this.executor, now });
  }

  /** Every account of the user, across all pages (§3). */
  async *accounts(tokens: AccessTokenProvider, opts: { signal?: AbortSignal | undefined } = {}): AsyncGenerator<CitiAccount> {
    // Offsets are live (§4): an account can come twice across pages; callers get it once.
    const seen = new Set<string>();
    const walk = new PageGuard('/v1/accounts', MAX_LIST_PAGES);
    let cursor: string | null = null;
    do {
      const path = withQuery('/v1/accounts', { nextStartIndex: cursor });
      const page = await this.get(tokens, path, opts.signal, (json) => {
        const p = validate(accountsPageSchema, json, path);
        const accounts = p.accountGroupSummary.flatMap((g, gi) =>
          g.accounts.map((entry, ai) =>
            guard(path, () => within(`accountGroupSummary[${gi}].accounts[${ai}]`, () => normalizeAccount(entry, g.accountGroup ?? null))),
          ),
        );
        return { accounts, next: p.nextStartIndex };
      });
      walk.accept(page.next);
      for (const a of page.accounts) {
        if (seen.has(a.accountId)) continue;
        seen.add(a.accountId);
        yield a;
      }
      cursor = nextCursor(path, cursor, page.next);
    } while (cursor !== null);
  }

  /**
   * One window of an account's transactions (§4), page by page, so the caller can checkpoint
   * `nextStartIndex` (and `keys.toJSON()`) after storing each page.
   */
  async *transactionPages(
    tokens: AccessTokenProvider,
    account: AccountRef,
    from: string,
    to: string,
    opts: TransactionPagesOptions = {},
  ): AsyncGenerator<TransactionPage> {
    if (!isWindowAllowed(from, to, account.accountType)) {
      // Sending it would earn a 400 that reads as "skip this account": refuse the caller's bug here.
      throw new RangeError(
        `window ${from}..${to} is not allowed for a ${account.accountType} account (must end by ${lastDayOfWindow(from, account.accountType)})`,
      );
    }
    const keys = opts.keys ?? new SyntheticKeyCounter();
    const arrayKey = transactionsKeyFor(account.accountType);
    const schema = transactionsPageSchema(arrayKey);
    const base = `/v1/accounts/${encodeURIComponent(account.accountId)}/transactions`;
    let cursor: string | null = opts.startIndex || null;
    const walk = new PageGuard(base, pageCapForWindow(daysBetween(from, to) + 1), cursor);
    do {
      const path = withQuery(base, { transactionFromDate: from, transactionToDate: to, transactionStatus: 'ALL', nextStartIndex: cursor });
      const page = await this.get(tokens, path, opts.signal, (json) => {
        const p = validate(schema, json, path);
        // Ordinals are counted on a copy and kept only if the whole page parses: a page that fails
        // and is fetched again must not count its rows twice.
        const scratch = keys.clone();
        const rows = p.rows.map((row, i) =>
          guard(path, () =>
            within(`${arrayKey}[${i}]`, () =>
              normalizeTransaction(row, { accountId: account.accountId, accountType: account.accountType, keys: scratch, currencyCode: account.currencyCode }),
            ),
          ),
        );
        keys.adopt(scratch);
        return { rows, next: p.nextStartIndex };
      });
      walk.accept(page.next);
      yield { rows: page.rows, nextStartIndex: page.next, startIndex: cursor, path };
      cursor = nextCursor(path, cursor, page.next);
    } while (cursor !== null);
  }

  /** The rows of one window, for callers that do not checkpoint. */
  async *transactions(
    tokens: AccessTokenProvider,
    account: AccountRef,
    from: string,
    to: string,
    opts: TransactionPagesOptions = {},
  ): AsyncGenerator<CitiTransaction> {
    for await (const page of this.transactionPages(tokens, account, from, to, opts)) yield* page.rows;
  }

  /** The statements of a card account (§5), across all pages. */
  async *statements(
    tokens: AccessTokenProvider,
    accountId: string,
    opts: { signal?: AbortSignal | undefined } = {},
  ): AsyncGenerator<CitiStatementRef> {
    let cursor: string | null = null;
    const walk = new PageGuard(`/v1/accounts/${encodeURIComponent(accountId)}/statements`, MAX_LIST_PAGES);
    do {
      const path = withQuery(`/v1/accounts/${encodeURIComponent(accountId)}/statements`, { nextStartIndex: cursor });
      const page = await this.get(tokens, path, opts.signal, (json) => {
        const p = validate(statementListSchema, json, path);
        const refs = p.statementList.map((s, i) => guard(path, () => within(`statementList[${i}]`, () => normalizeStatementRef(s))));
        return { refs, next: p.nextStartIndex };
      });
      walk.accept(page.next);
      yield* page.refs;
      cursor = nextCursor(path, cursor, page.next);
    } while (cursor !== null);
  }

  /** One card statement with all its transactions (their pages followed to the end). */
  async statement(
    tokens: AccessTokenProvider,
    accountId: string,
    statementId: string,
    opts: { signal?: AbortSignal | undefined; /** false: the summary only (the first page), not every transaction page. */ transactions?: boolean } = {},
  ): Promise<CitiStatement> {
    const base = `/v1/accounts/${encodeURIComponent(accountId)}/statements/${encodeURIComponent(statementId)}`;
    const keys = new SyntheticKeyCounter();
    const transactions: CitiTransaction[] = [];
    let first: unknown;
    let cursor: string | null = null;
    const walk = new PageGuard(base, MAX_LIST_PAGES);
    do {
      const path = withQuery(base, { nextStartIndex: cursor });
      const page = await this.get(tokens, path, opts.signal, (json) => {
        const body = validate(statementResponseSchema, json, path).creditCardStatement;
        const scratch = keys.clone();
        const rows = body.transactions.map((row, i) =>
          guard(path, () =>
            within(`creditCardStatement.transactions[${i}]`, () =>
              normalizeTransaction(row, { accountId, accountType: 'creditCard', keys: scratch }),
            ),
          ),
        );
        keys.adopt(scratch);
        const statement = guard(path, () => within('creditCardStatement', () => normalizeStatement(statementId, body, [])));
        return { statement, rows, next: body.nextStartIndex };
      });
      if (opts.transactions !== false) walk.accept(page.next);
      first ??= page.statement;
      transactions.push(...page.rows);
      cursor = opts.transactions === false ? null : nextCursor(path, cursor, page.next);
    } while (cursor !== null);
    return { ...(first as CitiStatement), transactions };
  }

  async close(): Promise<void> {
    await this.http.close?.();
  }

  private get<T>(tokens: AccessTokenProvider, path: string, signal: AbortSignal | undefined, parse: (json: unknown) => T): Promise<T> {
    return this.executor.run({
      kind: 'resource',
      method: 'GET',
      path,
      tokens,
      signal,
      retryAmbiguous: true,
      // A new uuid per attempt, retries included (§2): Citi traces and de-duplicates by it.
      headers: (token) => ({
        authorization: `Bearer ${token ?? ''}`,
        client_id: this.clientId,
        uuid: randomUUID(),
        accept: 'application/json',
      }),
      parse: (body) => parse(parseJsonBody(body, path)),
    });
  }
}

/** Runs a pure parser, re-raising its InvalidFieldError as malformed for this request path. */
function guard<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidFieldError) throw malformedFrom(err, path);
    throw err;
  }
}

/**
 * The cursor for the next page, or null after the last. A server that hands back the cursor it was
 * just given would make us loop forever; that is malformed, not a page.
 */
function nextCursor(path: string, current: string | null, next: string | null): string | null {
  if (next !== null && next === current) {
    throw new MalformedResponseError({ path, fieldPath: 'nextStartIndex', reason: 'did not advance', snippet: JSON.stringify(next) });
  }
  return next;
}

function withQuery(path: string, params: Record<string, string | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
