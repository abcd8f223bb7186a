import type { AccountsPage, TransactionsPage } from '../envelopes.ts';
import type { WindowLimit } from '../windows.ts';

/**
 * One market's way of speaking Citi's API (contract §0): its facts (paths, limits, time zone) and
 * the envelope readers it answers with. Chosen once per client from the country code; nothing
 * outside src/citi/dialects asks which dialect it has.
 */
export interface Dialect {
  /** The market, ISO 3166 alpha-2 upper case (`US`, `SG`, …). */
  readonly country: string;
  /** `US v2` or `Asia-Pacific v1`, for messages and docs. */
  readonly name: string;
  /** IANA zone of the bank's current date (contract §0). */
  readonly timeZone: string;
  /** How far back (months before the bank's current date) the first sync may ask. */
  readonly historyMonths: number;
  /** `POST` path of the authorization-code exchange (§1). */
  readonly tokenPath: string;
  /** Query parameters of the consent page besides the OAuth ones (§1). */
  readonly authorizeParams: { countryCode: string; businessCode: string; locale: string };
  /** Account listings to try in order: a 404 (not `fatal`) on one moves to the next (§3). */
  readonly accountPaths: readonly string[];
  transactionsPath(accountId: string): string;
  /** Extra query parameters of a transactions call (beyond the dates and the cursor). */
  readonly transactionQuery: Readonly<Record<string, string>>;
  /** Whether the market offers statements at all (§5); false: never called. */
  readonly statementsOffered: boolean;
  statementsPath(accountId: string): string;
  statementPath(accountId: string, statementId: string): string;
  /** The longest window one transactions call may cover for this kind (§4). */
  maxWindow(accountType: string): WindowLimit;
  /**
   * Days per window when CITI_WINDOW_DAYS is not set, where the market's limit alone would make
   * answers too large to hold several at once (an unpaged window comes whole); unset: the limit.
   */
  readonly defaultWindowDays?: number;
  readAccounts(json: unknown): AccountsPage;
  readTransactions(json: unknown, accountType: string): TransactionsPage;
}

export const COUNTRY_CODE = /^[A-Z]{2}$/;

export const enc = encodeURIComponent;
