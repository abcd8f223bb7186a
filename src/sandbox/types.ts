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
  /** How far back history reaches. @defaultValue 24 */
  historyMonths?: number;
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
  /** A resource call answers 401 unAuthorized as if the access token had expired (the token stays valid). */
  expireTokenProbability: number;
  /** Each non-first transactions page request first inserts a pending transaction at the head of the window. */
  mutateDuringPagination: boolean;
}

export interface SandboxOptions {
  /** @defaultValue 42 */
  seed?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 0 (a random free port) */
  port?: number;
  /** World clock start, 'YYYY-MM-DD'. @defaultValue the current UTC date */
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
  transactionId: string | null;
  accountId: string;
  status: string;
  transactionDate: string;
  postingDate: string | null;
  amount: number;
  /** Exactly the object the API serves for this row now (with the account's current shape). */
  raw: Record<string, unknown>;
}

export interface TruthAccount {
  accountId: string;
  group: string;
  type: string;
  currencyCode: string;
  status: string;
  currentBalance: number;
  availableBalance: number | null;
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
  truth(userId?: string): { accounts: TruthAccount[] };
  close(): Promise<void>;
}
