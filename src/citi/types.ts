/**
 * Terminology
 * - resource call: a GET under /v1 made with a user's access token (contract §2–§5).
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

/** `checking`, `savings`, `creditCard`, `loan`, or another type Citi adds (from `<type>AccountSummary`). */
export type CitiAccountType = 'checking' | 'savings' | 'creditCard' | 'loan' | (string & {});

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
  /** `minimumDueAmount` (cards) or `paymentDueAmount` (loans). */
  minimumDue: string | null;
  /** `paymentDueDate` as YYYY-MM-DD; `9999-12-31` ("none") becomes null. */
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
  /** CHECKING, SAVINGS, CREDIT_CARD, LOANS (or null when the group did not say). */
  accountGroup: string | null;
  accountType: CitiAccountType;
  productName: string | null;
  productCode: string | null;
  nickname: string | null;
  displayAccountNumber: string | null;
  currencyCode: string | null;
  /** ACTIVE, CLOSED, DORMANT, or whatever Citi sends. */
  status: string | null;
  classification: string | null;
  currentBalance: string | null;
  availableBalance: string | null;
  creditLimit: string | null;
  balanceType: CitiBalanceType | null;
  balances: CitiBalances;
  holdings: CitiHolding[];
  /** The account summary as received, unknown fields included. */
  raw: Record<string, unknown>;
}

export interface CitiTransaction {
  /** Citi's id, or a synthetic key (`syn:` + 32 hex) when the row had none. */
  transactionId: string;
  idSynthetic: boolean;
  status: 'pending' | 'posted';
  statusRaw: string | null;
  transactionDate: string;
  postingDate: string | null;
  /**
   * Signed: negative = money leaving the customer (a DEBIT, or a card charge PURCHASE, FEE,
   * INTEREST, CASH_ADVANCE); positive = money arriving (a CREDIT, or a card PAYMENT or CREDIT).
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
