/** The Citi API client: everything other parts of citi-sync may use comes from here. */
export { CitiClient, type AccountRef, type CitiClientOptions, type TransactionPagesOptions } from './client.ts';
export { countryCode, dialectFor, DEFAULT_APAC_TIME_ZONE, type Dialect } from './dialects/index.ts';
export { bankToday, isTimeZone } from './bankDate.ts';
export { readAccountGroups, readTransactionRows, type AccountsPage, type TransactionsPage } from './envelopes.ts';
export { directionOf, signedAmount, type Direction } from './signs.ts';
export { balancesOf, holdingsOf } from './balances.ts';
export { mayLoseDigits, parseLosslessJson, plainJson } from './json.ts';
export {
  AUTHORIZE_PATH,
  CitiOAuth,
  DEFAULT_SCOPE,
  REFRESH_PATH,
  REVOKE_PATH,
  TOKEN_PATH,
  type AuthorizeUrlOptions,
} from './oauth.ts';
export { MAX_TIMER_MS, MIN_REQUESTS_PER_SECOND, TokenBucketGate, type RequestGate, type TokenBucketOptions } from './gate.ts';
export type { RequestEvent } from './executor.ts';
export { DEFAULT_TIMEOUTS, HttpTransport, type HttpRequest, type HttpResponse, type Timeouts, type TlsOptions, type Transport } from './http.ts';
export {
  AccountUnavailableError,
  CitiError,
  ClientCredentialsError,
  InvalidAmountError,
  InvalidFieldError,
  MalformedResponseError,
  RateLimitedError,
  ReauthRequiredError,
  RetryAfterTooLongError,
  RetryLaterError,
  RefreshOutcomeUnknownError,
  UnauthorizedError,
  UnexpectedResponseError,
  WindowOutOfRangeError,
  type CitiAction,
} from './errors.ts';
export { DEFAULT_RETRY_AFTER_MS, errorFromNetwork, errorFromResponse, parseErrorBody, parseRetryAfter, type CallKind } from './errorMapping.ts';
export { absDecimal, isNegativeDecimal, MAX_DECIMAL_LENGTH, negateDecimal, toDecimalOrNull, toDecimalString, toRateStringOrNull } from './money.ts';
export {
  addDays,
  addMonths,
  daysBetween,
  isCalendarDate,
  isWindowAllowed,
  lastDayOfWindow,
  maxWindowFor,
  monthsBefore,
  splitWindows,
  type DateWindow,
  type WindowLimit,
  type WindowRule,
} from './windows.ts';
export { normalizeAccount, normalizeAccountObject, normalizeTransaction, signed, statusOf, type NormalizeTransactionContext } from './normalize.ts';
export { SyntheticKeyCounter, type SyntheticKeyState } from './syntheticKeys.ts';
export type {
  AccessTokenProvider,
  CitiAccount,
  CitiAccountListing,
  CitiAccountType,
  CitiBalances,
  CitiBalanceType,
  CitiHolding,
  CitiNotSynced,
  CitiRepeatedAccount,
  CitiLogger,
  CitiStatement,
  CitiStatementRef,
  CitiTransaction,
  TokenSet,
  TransactionPage,
} from './types.ts';
export { cleanJson, cleanText, oneLine, stripControl } from './text.ts';
export { PageGuard, PagingLoopError, pageCapForWindow, CONTRACT_PAGE_SIZE, MAX_LIST_PAGES, MAX_ROWS_PER_DAY, PAGE_MARGIN } from './pageGuard.ts';
