/**
 * Terminology
 * - dialect: one market's way of speaking the API (US v2, Asia-Pacific v1): paths, envelopes, limits
 *   (dialects/*.ts). A client speaks one; `forCountry` gives the client of another market.
 * - resource call: a GET under /v1 or /v2 made with a user's access token (contract §2–§5).
 * - token call: a POST to an /authCode/oauth2 endpoint made with our client credentials (§1).
 * - page: one response of a paged list; `nextStartIndex` is the opaque cursor to the next one.
 * - window: an inclusive date range of one account's transactions, within the API's limit (§4).
 * - synthetic key: the id we derive for a transaction row Citi sent without one (§6).
 *
 * Money is always a decimal string (see money.ts), never a JS number.
 */

/** Where the client gets the access token of the connection a call is made for. */
export interface AccessTokenProvider {
  /** A token believed valid now (refreshing first if it is about to expire). */
  accessToken(): Promise<string>;
  /**
   * Citi answered 401 to `rejectedToken`: return a newer token. Implementations must serialise
   * refreshes per connection and return an already-refreshed token rather than refresh twice.
   */
  refreshAfterUnauthorized(rejectedToken: string): Promise<string>;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  refreshTokenExpiresAt: Date;
  /** Space-separated scopes granted; undefined when the server did not say. */
  scope?: string;
}

/** The subset of pino the client uses, so any compatible logger (or a test spy) can be passed in. */
export interface CitiLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): CitiLogger;
}

/**
 * `checking`, `savings`, `creditCard`, `loan`, `lineOfCredit`, `brokerage`, `retirement`, or another
 * kind Citi adds (the prefix of `<kind>AccountSummary` / `<kind>AccountsDetails` / `<kind>AccountsSummary`).
 */
export type CitiAccountType =
  | 'checking'
  | 'savings'
  | 'creditCard'
  | 'loan'
  | 'lineOfCredit'
  | 'brokerage'
  | 'retirement'
  | (string & {});

/** ASSET or LIABILITY for the customer (US `balanceType`, Asia-Pacific `accountClassification`); null when absent. */
export type CitiBalanceType = 'ASSET' | 'LIABILITY' | (string & {});

/** Every balance Citi sent for an account, as exact decimal strings; null when that field was absent. */
export interface CitiBalances {
  /** `currentBalance` (deposits, US cards). */
  current: string | null;
  /** `availableBalance` (deposits). */
  available: string | null;
  /** `outstandingBalance` (Asia-Pacific cards and loans). */
  outstanding: string | null;
  /** `availableCredit` (cards) or `creditAvailableAmount` (loans, lines of credit). */
  availableCredit: string | null;
  /** `creditLimit`. */
  creditLimit: string | null;
  /** `minimumDueAmount` (cards) or `paymentDueAmount` (loans); Asia-Pacific loans: `nextPaymentAmount`. */
  minimumDue: string | null;
  /** `paymentDueDate` as YYYY-MM-DD (Asia-Pacific loans: `nextPaymentDate`); `9999-12-31` ("none") becomes null. */
  paymentDueDate: string | null;
  /** `lastStatementBalance` (cards). */
  lastStatementBalance: string | null;
  /** `currentBalanceAmount` (US loans and lines of credit: the principal owed). */
  principal: string | null;
  /** `totalPortfolioBalanceAmount` (brokerage, often a decimal string) or `accountValue` (retirement). */
  portfolioValue: string | null;
}

/** A brokerage holding (`accountHoldings[]`) or a retirement plan component (`retirementPlanComponents[]`). */
export interface CitiHolding {
  kind: 'holding' | 'plan-component';
  /** Stable key within the account: `symbol`, else `cusip`, else `componentName`, else a content hash. */
  key: string;
  symbol: string | null;
  cusip: string | null;
  /** `description`/`securityDescription` of a holding, `componentName` of a plan component. */
  name: string | null;
  quantity: string | null;
  price: string | null;
  /** `totalValueAmount` (or `marketValue`). */
  value: string | null;
  currencyCode: string | null;
  /** The date part of `asOfDateTime`, when sent. */
  asOfDate: string | null;
  raw: Record<string, unknown>;
}

export interface CitiAccount {
  accountId: string;
  /** CHECKING, SAVINGS, CREDIT_CARD, LOANS, CREDITCARD, BROKERAGE… (or null when the group did not say). */
  accountGroup: string | null;
  accountType: CitiAccountType;
  productName: string | null;
  productCode: string | null;
  /** `accountNickname` (or the seed's spelling `accountNickName`). */
  nickname: string | null;
  displayAccountNumber: string | null;
  /** Null for US brokerage and retirement accounts, which carry currencies per holding. */
  currencyCode: string | null;
  /** ACTIVE, CLOSED, DORMANT, or whatever Citi sends; null when absent (US loans, brokerage, retirement). */
  status: string | null;
  /** `accountClassification` (Asia-Pacific) or `balanceType` (US). */
  classification: string | null;
  balanceType: CitiBalanceType | null;
  balances: CitiBalances;
  holdings: CitiHolding[];
  /** `balances.current`, else (cards, loans) `outstanding`, else `principal`: what the old views show. */
  currentBalance: string | null;
  availableBalance: string | null;
  creditLimit: string | null;
  /** The account object as received, unknown fields included. */
  raw: Record<string, unknown>;
}

/** An entry of the listing that is not an account the client syncs (Asia-Pacific insurance policies). */
export interface CitiNotSynced {
  accountGroup: string | null;
  /** The envelope key it came under, e.g. `insurancePolicies`. */
  kind: string;
  /** Its id (`accountId`, `policyNumber`…), when it had one. */
  id: string | null;
  raw: Record<string, unknown>;
}

/** An account id that came more than once in one listing under different kinds (§3). */
export interface CitiRepeatedAccount {
  accountId: string;
  /** The kind kept (the first listed). */
  kept: CitiAccountType;
  /** The kinds dropped, in listing order: not synced, and not merged into the kept one. */
  dropped: CitiAccountType[];
}

/** One full listing of a connection's accounts. */
export interface CitiAccountListing {
  /** Each account once, in listing order. */
  accounts: CitiAccount[];
  repeated: CitiRepeatedAccount[];
  notSynced: CitiNotSynced[];
}

export interface CitiTransaction {
  /** Citi's `transactionId` (else India's `transactionReferenceId`), or a synthetic key (`syn:` + 32 hex) when the row had neither. */
  transactionId: string;
  idSynthetic: boolean;
  status: 'pending' | 'posted';
  statusRaw: string | null;
  transactionDate: string;
  postingDate: string | null;
  /**
   * Signed (contract §4 "Signs", signs.ts): negative = money leaving the customer, positive = money
   * arriving; decided by `debitCreditMemo`, else the transaction type, else the amount's own sign.
   */
  amount: string;
  currencyCode: string;
  description: string | null;
  descriptionExtension: string | null;
  merchantName: string | null;
  merchantCategoryCode: string | null;
  transactionType: string | null;
  debitCreditMemo: string | null;
  /** Same sign rule as `amount`. */
  foreignAmount: string | null;
  foreignCurrencyCode: string | null;
  foreignExchangeRate: string | null;
  authorizationCode: string | null;
  checkNumber: string | null;
  /** The row as received (NUL characters removed), unknown fields included. */
  raw: Record<string, unknown>;
}

export interface TransactionPage {
  rows: CitiTransaction[];
  /** The cursor to send for the next page; null after the last page. */
  nextStartIndex: string | null;
  /** The cursor this page was fetched with; null for the window's first page. */
  startIndex: string | null;
  /** The request path (with query) of this page, for logs and error reports. */
  path: string;
  /** The window actually fetched: the one asked for, unless Citi's date-range 400 made the client clamp it. */
  window: { from: string; to: string };
  /**
   * Characters of the response body the rows were read from (0 for a 204): a bound, free to read,
   * on the text the rows carry (every string and key of theirs is in it), for sizing what they take.
   */
  textLength: number;
}

export interface CitiStatementRef {
  statementId: string;
  statementDate: string | null;
  raw: Record<string, unknown>;
}

/** A card statement. Balances keep the API's sign (amounts owed are positive). */
export interface CitiStatement {
  statementId: string;
  statementDate: string | null;
  beginningBalance: string | null;
  /** `outstandingBalance`. */
  endingBalance: string | null;
  totalDebits: string | null;
  totalCredits: string | null;
  minimumDue: string | null;
  paymentDueDate: string | null;
  creditLimit: string | null;
  pastDue: string | null;
  transactions: CitiTransaction[];
  raw: Record<string, unknown>;
}
