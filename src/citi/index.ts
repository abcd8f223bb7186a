/** The Citi API client: everything other parts of citi-sync may use comes from here. */
export { CitiClient, type AccountRef, type CitiClientOptions, type TransactionPagesOptions } from './client.ts';
export {
  AUTHORIZE_PATH,
  CitiOAuth,
  DEFAULT_SCOPE,
  REFRESH_PATH,
  REVOKE_PATH,
  TOKEN_PATH,
  type AuthorizeUrlOptions,
} from './oauth.ts';
export { TokenBucketGate, type RequestGate, type TokenBucketOptions } from './gate.ts';
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
  RetryLaterError,
  RefreshOutcomeUnknownError,
  UnauthorizedError,
  UnexpectedResponseError,
  type CitiAction,
} from './errors.ts';
export { DEFAULT_RETRY_AFTER_MS, errorFromNetwork, errorFromResponse, parseRetryAfter, type CallKind } from './error-mapping.ts';
export { isNegativeDecimal, negateDecimal, toDecimalOrNull, toDecimalString, toRateStringOrNull } from './money.ts';
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
} from './windows.ts';
export { normalizeAccount, normalizeTransaction, signed, statusOf, type NormalizeTransactionContext } from './normalize.ts';
export { SyntheticKeyCounter, type SyntheticKeyState } from './synthetic-keys.ts';
export type {
  AccessTokenProvider,
  CitiAccount,
  CitiAccountType,
  CitiLogger,
  CitiStatement,
  CitiStatementRef,
  CitiTransaction,
  TokenSet,
  TransactionPage,
} from './types.ts';
