/**
 * The sandbox's public API: what tests, benchmarks and chaos runs code against.
 *
 * Terminology
 * - world: the simulated bank (users, accounts, transactions) and its clock; deterministic from the seed.
 * - world day / today(): the simulated calendar date. It only moves when advance() is called. Access
 *   tokens and auth codes expire in REAL time (Date.now); refresh tokens in world time (30 days).
 * - grant: one user's consent to one client; every access and refresh token belongs to one grant, and
 *   revoking or detecting theft ends all of them.
 * - truth: what the API would show right now, for exact comparisons with what a client stored.
 */

export interface SandboxProfile {
  users: number;
  /** A number gives plain USD accounts cycling CHECKING, CREDIT_CARD, SAVINGS, LOANS. @defaultValue 'mixed' */
  accountsPerUser?: number | 'mixed';
  /** Approximate count over the history. @defaultValue about 300, varying per account */
  transactionsPerAccount?: number;
  /** How far back history reaches. @defaultValue the market's limit: 24 (US), 12 (Asia-Pacific) */
  historyMonths?: number;
  /** Extra users, after the others, who hold no accounts (the API answers 400 noAccounts). @defaultValue 0 */
  usersWithoutAccounts?: number;
}

export interface Faults {
  /** Random 429 + Retry-After on resource calls (0..1). */
  status429Probability: number;
  /** Random 500/503 {"type":"fatal","code":"serverUnavailable"} on resource calls. */
  status5xxProbability: number;
  /** Added to every resource and token response. */
  latencyMs: number;
  /** Some responses delayed by slowMs (to exceed client timeouts). */
  slowProbability: number;
  slowMs: number;
  /** A 200 whose body is cut: Content-Length of the full body, half of it sent, then the socket destroyed. */
  truncateProbability: number;
  /** Socket destroyed without a response. */
  resetProbability: number;
  /** An access token already used once expires early: that call and every later use of the token answer 401 unAuthorized (a fresh token is never the one). */
  expireTokenProbability: number;
  /** Each non-first transactions page request first inserts a pending transaction at the head of the window. */
  mutateDuringPagination: boolean;
}

export interface SandboxOptions {
  /**
   * The market, which selects the dialect (contract §0): 'US' speaks US v2; any other two-letter code
   * (SG, HK, AU, IN, ...) speaks Asia-Pacific v1 with that market's variants. @defaultValue 'US'
   */
  country?: string;
  /** @defaultValue 42 */
  seed?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 0 (a random free port) */
  port?: number;
  /** World clock start, 'YYYY-MM-DD': the bank's current date. @defaultValue today in the market's time zone */
  today?: string;
  /** @defaultValue { users: 3, accountsPerUser: 'mixed', historyMonths: 24 } */
  profile?: SandboxProfile;
  /** false: authorize shows a consent page; true: redirect with a code at once. @defaultValue false */
  autoConsent?: boolean;
  /** Token bucket per client_id on resource calls. @defaultValue { perSecond: 10, burst: 20 } */
  rateLimit?: { perSecond: number; burst: number } | false;
  /** Retry-After sent with rate-limit 429s. @defaultValue 1 */
  retryAfterSeconds?: number;
  /**
   * Requests arriving this soon after a 429 was sent are taken as already in flight, not as ignoring
   * Retry-After (stats.requestsDuringRetryAfter). Tests whose clients run in other processes on a
   * busy machine need more than the default. @defaultValue 100
   */
  retryAfterGraceMs?: number;
  /** @defaultValue 1800 */
  accessTokenTtlSeconds?: number;
  /** Max rows per page; requestSize 1..50 is honoured when smaller. @defaultValue 50 */
  pageSize?: number;
  /** @defaultValue derived from the seed */
  clientId?: string;
  clientSecret?: string;
  faults?: Partial<Faults>;
  logger?: { info(obj: object, msg?: string): void };
}

export interface SandboxUser {
  userId: string;
  name: string;
  accountIds: string[];
}

export interface TruthTransaction {
  /** The row's id as served (`transactionReferenceId` in India); null when the row carries none (US pending rows, the 'noIds' shape). */
  transactionId: string | null;
  accountId: string;
  status: string;
  transactionDate: string;
  postingDate: string | null;
  /** `transactionAmount` as served (US: always a magnitude, signed by debitCreditMemo). */
  amount: number;
  /** The customer's view, exact: negative = money leaving the customer (contract §4 "Signs"). */
  signedAmount: string;
  /** Exactly the object the API serves for this row now (with the account's current shape). */
  raw: Record<string, unknown>;
}

/** Every balance the account listing shows, as the exact text of the served value (see CitiBalances in src/citi/types.ts). */
export interface TruthBalances {
  current: string | null;
  available: string | null;
  outstanding: string | null;
  availableCredit: string | null;
  creditLimit: string | null;
  minimumDue: string | null;
  /** `9999-12-31` ("none") is null. */
  paymentDueDate: string | null;
  lastStatementBalance: string | null;
  principal: string | null;
  portfolioValue: string | null;
}

/** A brokerage holding or retirement plan component as served (see CitiHolding in src/citi/types.ts). */
export interface TruthHolding {
  kind: 'holding' | 'plan-component';
  key: string;
  symbol: string | null;
  cusip: string | null;
  name: string | null;
  quantity: string | null;
  price: string | null;
  value: string | null;
  currencyCode: string | null;
  asOfDate: string | null;
}

export interface TruthAccount {
  accountId: string;
  /** The simulator's kind: CHECKING, SAVINGS, CREDIT_CARD, LOANS, LINE_OF_CREDIT, BROKERAGE, RETIREMENT. */
  group: string;
  /** The group as the listing names it (US `CREDITCARD`, Asia-Pacific `CREDIT_CARD`). */
  accountGroup: string;
  type: string;
  /** The account's currency; brokerage and retirement accounts serve none (see `served`). */
  currencyCode: string;
  status: string;
  currentBalance: number;
  availableBalance: number | null;
  /** ASSET or LIABILITY (US balanceType, Asia-Pacific accountClassification). */
  balanceType: 'ASSET' | 'LIABILITY';
  balances: TruthBalances;
  holdings: TruthHolding[];
  /** Exactly the account object the listing serves now. */
  served: Record<string, unknown>;
  /** Newest first, as the API pages them. */
  transactions: TruthTransaction[];
}

export interface SandboxStats {
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  served429: number;
  /**
   * Requests from a client_id that ARRIVED while a Retry-After window given to it was open. Requests
   * arriving within 100 ms after the 429 was sent are not counted: they were already in flight.
   */
  requestsDuringRetryAfter: number;
  tokenRequests: number;
  refreshes: number;
  refreshTokenReuse: number;
  /** Grants ended for any reason: refresh-token reuse, auth-code reuse, or the revoke endpoint. */
  grantsRevoked: number;
  missingUuid: number;
  duplicateUuid: number;
  missingHeaders: number;
  maxConcurrentRefreshesPerGrant: number;
  /** 200 pages of transaction rows (transactions and statement detail endpoints). */
  pagesServed: number;
  rowsServed: number;
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token_expires_in: number;
  scope: string;
}

export interface Sandbox {
  /** Base URL, e.g. 'http://127.0.0.1:PORT/gcb/api' (contract paths are relative to it). */
  readonly url: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * The secret was passed in (CITI_CLIENT_SECRET, a flag or a file), so it may be a real one: it is
   * then neither printed by `citi-sync sandbox` nor served by /__sandbox/info. A generated one is.
   */
  readonly clientSecretSupplied: boolean;
  readonly users: SandboxUser[];
  today(): string;
  advance(days: number): void;
  issueTokens(userId: string): Promise<TokenResponse>;
  authorizeUrl(params: { redirectUri: string; state: string; scope?: string; codeChallenge?: string }): string;
  setFaults(f: Partial<Faults>): void;
  clearFaults(): void;
  setAccountShape(accountId: string, shape: 'noIds' | 'billedStatus' | 'singleObject' | 'normal'): void;
  setAccountResponse(accountId: string, resp: { status: number; body: string; contentType?: string; times?: number } | null): void;
  expireAccessTokens(): void;
  stats(): SandboxStats;
  resetStats(): void;
  issuedSecrets(): string[];
  /** The market the sandbox serves ('US', 'SG', ...). */
  readonly country: string;
  truth(userId?: string): { accounts: TruthAccount[]; insurancePolicies: Array<Record<string, unknown>> };
  close(): Promise<void>;
}
