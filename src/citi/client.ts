import { randomUUID } from 'node:crypto';
import { bankToday } from './bankDate.ts';
import { dialectFor, type Dialect } from './dialects/index.ts';
import { AccountUnavailableError, InvalidFieldError, MalformedResponseError, WindowOutOfRangeError } from './errors.ts';
import { DEFAULT_MAX_RETRY_AFTER_MS, RequestExecutor, type RequestEvent } from './executor.ts';
import type { RequestGate } from './gate.ts';
import { HttpTransport, type Timeouts, type TlsOptions, type Transport } from './http.ts';
import { normalizePlainTransaction, normalizeStatement, normalizeStatementRef, normalizeTransaction, within, type NormalizeTransactionContext } from './normalize.ts';
import { CitiOAuth } from './oauth.ts';
import { malformedFrom, parseJsonBodyRead, validate, type BodyRead } from './parse.ts';
import { statementListSchema, statementResponseSchema } from './schemas.ts';
import { SyntheticKeyCounter } from './syntheticKeys.ts';
import type {
  AccessTokenProvider,
  CitiAccount,
  CitiAccountListing,
  CitiLogger,
  CitiNotSynced,
  CitiStatement,
  CitiStatementRef,
  CitiTransaction,
  TransactionPage,
} from './types.ts';
import { MAX_LIST_PAGES, PageGuard, pageCapForWindow } from './pageGuard.ts';
import { addDays, daysBetween, isWindowAllowed, lastDayOfWindow, type WindowLimit } from './windows.ts';

export interface CitiClientOptions {
  /** e.g. `https://sandbox.apihub.citi.com/gcb/api`; contract paths are appended to it. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The market whose dialect this client speaks (contract §0); `forCountry` gives the others. @defaultValue 'US' */
  country?: string | undefined;
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
  currencyCode?: string | null | undefined;
}

export interface TransactionPagesOptions {
  /** Resume a window walk at this cursor (a checkpoint's `nextStartIndex`). */
  startIndex?: string | undefined;
  /** Restored with the checkpoint when resuming; otherwise a fresh counter for this walk. */
  keys?: SyntheticKeyCounter | undefined;
  signal?: AbortSignal | undefined;
}

/** The wire and the retry policy, shared by the clients of every market. */
interface Shared {
  http: Transport & { close?: () => Promise<void> };
  executor: RequestExecutor;
  logger: CitiLogger;
  opts: CitiClientOptions;
  byCountry: Map<string, CitiClient>;
}

/** A 204 No Content: an empty window (§4), not a body to parse. */
const NO_CONTENT = Symbol('no content');
type Body = unknown;

/** What the body's text told about the parsed page (parse.ts). */
type BodyFacts = Omit<BodyRead, 'json'>;

interface PageRead<T> {
  value: T;
  next: string | null;
}

const noop = () => {};
const silent: CitiLogger = { debug: noop, info: noop, warn: noop, error: noop, child: () => silent };

/**
 * Citi's retail API (contract §2–§5) in one market's dialect (dialects/*.ts): accounts, paged
 * transactions and statements, plus `.oauth` for token calls (§1). Every HTTP attempt goes through
 * one gate and one retry policy (executor.ts), shared with the clients `forCountry` hands out; every
 * response is read by the dialect's envelope readers and normalized before it is returned.
 */
export class CitiClient {
  readonly oauth: CitiOAuth;
  readonly dialect: Dialect;
  private readonly shared: Shared;

  constructor(opts: CitiClientOptions, shared?: Shared) {
    this.dialect = dialectFor(opts.country ?? 'US');
    if (shared) {
      this.shared = shared;
    } else {
      const now = opts.now ?? Date.now;
      const http = opts.transport ?? new HttpTransport({ baseUrl: opts.baseUrl, tls: opts.tls, timeouts: opts.timeouts, maxBodyBytes: opts.maxBodyBytes });
      const logger = (opts.logger ?? silent).child({ component: 'citi-client' });
      const executor = new RequestExecutor({
        http,
        gate: opts.gate,
        logger,
        maxRetries: opts.maxRetries ?? 5,
        max429Retries: opts.max429Retries ?? 20,
        retryBaseMs: opts.retryBaseMs ?? 250,
        retryMaxMs: opts.retryMaxMs ?? 30_000,
        maxRetryAfterMs: opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
        onRequest: opts.onRequest,
        now,
      });
      this.shared = { http, executor, logger, opts, byCountry: new Map() };
      this.shared.byCountry.set(this.dialect.country, this);
    }
    this.oauth = new CitiOAuth({
      baseUrl: opts.baseUrl,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      executor: this.shared.executor,
      now: opts.now ?? Date.now,
      tokenPath: this.dialect.tokenPath,
      authorize: this.dialect.authorizeParams,
    });
  }

  /** The market this client speaks for (`US`, `SG`, …). */
  get country(): string {
    return this.dialect.country;
  }

  /** The client of another market, on the same wire, gate and retry policy (one deployment, many markets). */
  forCountry(country: string): CitiClient {
    const cc = dialectFor(country).country;
    let client = this.shared.byCountry.get(cc);
    if (!client) {
      client = new CitiClient({ ...this.shared.opts, country: cc }, this.shared);
      this.shared.byCountry.set(cc, client);
    }
    return client;
  }

  /** The bank's current date in this market's time zone (contract §0). */
  today(now: Date = new Date()): string {
    return bankToday(now, this.dialect.timeZone);
  }

  /** The longest window one transactions call may cover for this kind of account. */
  windowLimit(accountType: string): WindowLimit {
    return this.dialect.maxWindow(accountType);
  }

  /** Days per window when the deployment sets none (CITI_WINDOW_DAYS): the market's default, if any. */
  defaultWindowDays(): number | undefined {
    return this.dialect.defaultWindowDays;
  }

  /**
   * Every account of the user (§3), across all pages, each id once. An id listed again under the same
   * kind is a page overlap (live offsets, §4) and is dropped silently; under another kind it is a
   * different account Citi gave the same id: reported in `repeated`, never merged. A 400 `noAccounts`
   * is a listing with no accounts.
   */
  async listAccounts(tokens: AccessTokenProvider, opts: { signal?: AbortSignal | undefined } = {}): Promise<CitiAccountListing> {
    const listing: CitiAccountListing = { accounts: [], repeated: [], notSynced: [] };
    const kindOf = new Map<string, string>();
    const paths = this.dialect.accountPaths;
    for (let i = 0; i < paths.length; i++) {
      const base = paths[i] as string;
      try {
        const pages = this.walk(tokens, (cursor) => withQuery(base, { nextStartIndex: cursor }), null, MAX_LIST_PAGES, opts.signal, (json, path) => {
          if (json === NO_CONTENT) return { value: { accounts: [] as CitiAccount[], notSynced: [] as CitiNotSynced[] }, next: null };
          const { accounts, notSynced, next } = this.read(path, () => this.dialect.readAccounts(json));
          return { value: { accounts, notSynced }, next };
        });
        for await (const page of pages) {
          for (const a of page.value.accounts) addAccount(listing, kindOf, a);
          listing.notSynced.push(...page.value.notSynced);
        }
        return listing;
      } catch (err) {
        if (err instanceof AccountUnavailableError && err.code === 'noAccounts') return { accounts: [], repeated: [], notSynced: [] };
        // The older US sandbox answers only `/v2/accounts`: a 404 on one listing moves to the next.
        const nothingYet = listing.accounts.length === 0 && listing.notSynced.length === 0;
        if (err instanceof AccountUnavailableError && err.status === 404 && nothingYet && i < paths.length - 1) continue;
        throw err;
      }
    }
    return listing;
  }

  /**
   * listAccounts' accounts, one by one, without what the listing reports (ids Citi repeated under
   * other kinds, entries not synced): a caller of this cannot tell anyone what it was not given.
   * @deprecated Use `listAccounts`. Nothing in citi-sync calls this; it stays only because
   * `CitiClient` is part of the package's exports (src/index.ts), until the next breaking release.
   */
  async *accounts(tokens: AccessTokenProvider, opts: { signal?: AbortSignal | undefined } = {}): AsyncGenerator<CitiAccount> {
    yield* (await this.listAccounts(tokens, opts)).accounts;
  }

  /**
   * One window of an account's transactions (§4), page by page, so the caller can checkpoint
   * `nextStartIndex` (and `keys.toJSON()`) after storing each page. 204 is an empty window. A 400
   * saying the window leaves the bank's allowed range clamps it by a day at that end and tries once
   * more (the usual cause: the bank's date is a day behind ours).
   */
  async *transactionPages(
    tokens: AccessTokenProvider,
    account: AccountRef,
    from: string,
    to: string,
    opts: TransactionPagesOptions = {},
  ): AsyncGenerator<TransactionPage> {
    const limit = this.windowLimit(account.accountType);
    if (!isWindowAllowed(from, to, limit)) {
      // Sending it would earn a 400 that reads as "skip this account": refuse the caller's bug here.
      throw new RangeError(`window ${from}..${to} is not allowed for a ${account.accountType} account (must end by ${lastDayOfWindow(from, limit)})`);
    }
    const keys = opts.keys ?? new SyntheticKeyCounter();
    let window = { from, to };
    let clamped = false;
    for (;;) {
      let yielded = false;
      try {
        for await (const page of this.windowPages(tokens, account, window, keys, opts)) {
          yielded = true;
          yield page;
        }
        return;
      } catch (err) {
        if (!(err instanceof WindowOutOfRangeError) || clamped || yielded || opts.startIndex) throw err;
        clamped = true;
        window = err.end === 'to' ? { from: window.from, to: addDays(window.to, -1) } : { from: addDays(window.from, 1), to: window.to };
        this.shared.logger.info({ accountId: account.accountId, code: err.code, window }, 'Citi refused the window; clamped it by a day');
        if (window.from > window.to) return;
      }
    }
  }

  private windowPages(
    tokens: AccessTokenProvider,
    account: AccountRef,
    window: { from: string; to: string },
    keys: SyntheticKeyCounter,
    opts: TransactionPagesOptions,
  ): AsyncGenerator<TransactionPage> {
    const base = this.dialect.transactionsPath(account.accountId);
    const query = this.dialect.transactionQuery;
    const pathFor = (cursor: string | null) =>
      withQuery(base, { transactionFromDate: window.from, transactionToDate: window.to, ...query, nextStartIndex: cursor });
    return mapPages(
      this.walk(tokens, pathFor, opts.startIndex || null, pageCapForWindow(daysBetween(window.from, window.to) + 1), opts.signal, (json, path, body) => {
        if (json === NO_CONTENT) return { value: [] as CitiTransaction[], next: null };
        const page = this.read(path, () => this.dialect.readTransactions(json, account.accountType));
        // Ordinals are counted on a copy and kept only if the whole page parses: a page that fails
        // and is fetched again must not count its rows twice.
        const scratch = keys.clone();
        const ctx = { accountId: account.accountId, accountType: account.accountType, keys: scratch, currencyCode: account.currencyCode };
        // A body with no text to clean and no exact number (nearly every one) spares each row its walk.
        const rows = this.read(path, () => normalizeRows(page.rows, page.key, ctx, body.plainText && !body.exactNumbers));
        keys.adopt(scratch);
        return { value: rows, next: page.next };
      }),
      (p) => ({ rows: p.value, nextStartIndex: p.next, startIndex: p.startIndex, path: p.path, window }),
    );
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

  /** Whether this market offers statements at all (§5). */
  get statementsOffered(): boolean {
    return this.dialect.statementsOffered;
  }

  /** The statements of a card account (§5), across all pages; nothing (and no call) where the market has none. */
  async *statements(tokens: AccessTokenProvider, accountId: string, opts: { signal?: AbortSignal | undefined } = {}): AsyncGenerator<CitiStatementRef> {
    if (!this.dialect.statementsOffered) return;
    const base = this.dialect.statementsPath(accountId);
    const pages = this.walk(tokens, (cursor) => withQuery(base, { nextStartIndex: cursor }), null, MAX_LIST_PAGES, opts.signal, (json, path) => {
      if (json === NO_CONTENT) return { value: [] as CitiStatementRef[], next: null };
      const p = validate(statementListSchema, json, path);
      return { value: this.read(path, () => p.statementList.map((s, i) => within(`statementList[${i}]`, () => normalizeStatementRef(s)))), next: p.nextStartIndex };
    });
    for await (const page of pages) yield* page.value;
  }

  /** One card statement with all its transactions (their pages followed to the end). */
  async statement(
    tokens: AccessTokenProvider,
    accountId: string,
    statementId: string,
    opts: { signal?: AbortSignal | undefined; /** false: the summary only (the first page), not every transaction page. */ transactions?: boolean } = {},
  ): Promise<CitiStatement> {
    const base = this.dialect.statementPath(accountId, statementId);
    const keys = new SyntheticKeyCounter();
    const transactions: CitiTransaction[] = [];
    let first: CitiStatement | undefined;
    const pages = this.walk(tokens, (cursor) => withQuery(base, { nextStartIndex: cursor }), null, MAX_LIST_PAGES, opts.signal, (json, path) => {
      if (json === NO_CONTENT) throw new MalformedResponseError({ path, fieldPath: '', reason: 'no content for a statement', snippet: '204' });
      const body = validate(statementResponseSchema, json, path).creditCardStatement;
      const scratch = keys.clone();
      const rows = this.read(path, () =>
        body.transactions.map((row, i) =>
          within(`creditCardStatement.transactions[${i}]`, () => normalizeTransaction(row, { accountId, accountType: 'creditCard', keys: scratch })),
        ),
      );
      keys.adopt(scratch);
      const statement = this.read(path, () => within('creditCardStatement', () => normalizeStatement(statementId, (json as { creditCardStatement: unknown }).creditCardStatement, [])));
      return { value: { statement, rows }, next: opts.transactions === false ? null : body.nextStartIndex };
    });
    for await (const page of pages) {
      first ??= page.value.statement;
      transactions.push(...page.value.rows);
    }
    return { ...(first as CitiStatement), transactions };
  }

  async close(): Promise<void> {
    await this.shared.http.close?.();
  }

  /**
   * The one paging loop (accounts, transactions, statements, a statement's rows): fetch a page, read
   * it, hand it on, follow `nextStartIndex` until it is absent.
   */
  private async *walk<T>(
    tokens: AccessTokenProvider,
    pathFor: (cursor: string | null) => string,
    startIndex: string | null,
    maxPages: number,
    signal: AbortSignal | undefined,
    read: (json: Body | typeof NO_CONTENT, path: string, body: BodyFacts) => PageRead<T>,
  ): AsyncGenerator<PageRead<T> & { path: string; startIndex: string | null }> {
    // Every cursor of the walk is remembered and the pages are capped (pageGuard.ts): a cursor that
    // comes back, or paging that never ends, fails the walk instead of looping. A page is checked
    // before it is handed on: one whose cursor loops is never stored, so no checkpoint holds that
    // cursor (the last checkpoint is the last cursor that made progress).
    const guard = new PageGuard(pathFor(null), maxPages, startIndex);
    let cursor = startIndex;
    for (;;) {
      const path = pathFor(cursor);
      const page = await this.get(tokens, path, signal, (json, body) => read(json, path, body));
      const next = page.next === '' ? null : page.next;
      guard.accept(next);
      yield { ...page, path, startIndex: cursor };
      if (next === null) return;
      cursor = next;
    }
  }

  /** Runs a pure reader, re-raising its InvalidFieldError as malformed for this request path. */
  private read<T>(path: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InvalidFieldError) throw malformedFrom(err, path);
      throw err;
    }
  }

  private get<T>(
    tokens: AccessTokenProvider,
    path: string,
    signal: AbortSignal | undefined,
    parse: (json: Body | typeof NO_CONTENT, body: BodyFacts) => T,
  ): Promise<T> {
    return this.shared.executor.run({
      kind: 'resource',
      method: 'GET',
      path,
      tokens,
      signal,
      retryAmbiguous: true,
      // A new uuid per attempt, retries included (§2): Citi traces and de-duplicates by it.
      headers: (token) => ({
        authorization: `Bearer ${token ?? ''}`,
        client_id: this.shared.opts.clientId,
        uuid: randomUUID(),
        accept: 'application/json',
      }),
      // 204 is the only answer whose empty body is the whole truth; an empty 200 was cut short.
      parse: (body, status) => {
        if (status === 204) return parse(NO_CONTENT, { exactNumbers: false, plainText: true });
        const { json, exactNumbers, plainText } = parseJsonBodyRead(body, path, { lossless: true });
        return parse(json, { exactNumbers, plainText });
      },
    });
  }
}

function addAccount(listing: CitiAccountListing, kindOf: Map<string, string>, a: CitiAccount): void {
  const kind = kindOf.get(a.accountId);
  if (kind === undefined) {
    kindOf.set(a.accountId, a.accountType);
    listing.accounts.push(a);
    return;
  }
  if (kind === a.accountType) return;
  let entry = listing.repeated.find((r) => r.accountId === a.accountId);
  if (!entry) {
    entry = { accountId: a.accountId, kept: kind, dropped: [] };
    listing.repeated.push(entry);
  }
  if (!entry.dropped.includes(a.accountType)) entry.dropped.push(a.accountType);
}

/**
 * A page's rows, normalized. A plain loop, and the row's place (`key[i]`) spelled out only for an
 * error: this runs for every row of a backfill.
 */
function normalizeRows(rows: readonly unknown[], key: string, ctx: NormalizeTransactionContext, plainBody: boolean): CitiTransaction[] {
  const out = new Array<CitiTransaction>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    try {
      out[i] = plainBody ? normalizePlainTransaction(rows[i], ctx) : normalizeTransaction(rows[i], ctx);
    } catch (err) {
      if (err instanceof InvalidFieldError) throw err.within(`${key}[${i}]`);
      throw err;
    }
  }
  return out;
}

async function* mapPages<A, B>(source: AsyncGenerator<A>, fn: (a: A) => B): AsyncGenerator<B> {
  for await (const a of source) yield fn(a);
}

function withQuery(path: string, params: Record<string, string | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
