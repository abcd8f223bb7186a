import { readAccountGroups, readTransactionRows } from '../envelopes.ts';
import { maxWindowFor } from '../windows.ts';
import { type Dialect, enc } from './dialect.ts';

/**
 * The bank's time zone per Asia-Pacific market. A market not listed uses Asia/Singapore, Citi's
 * regional hub; if its date runs ahead of the real bank's, the 400 `tranxToDateAfterCurrDate` makes
 * the client clamp the window by a day (client.ts), so a wrong guess costs one request, not data.
 */
const TIME_ZONES: Readonly<Record<string, string>> = {
  SG: 'Asia/Singapore',
  HK: 'Asia/Hong_Kong',
  AU: 'Australia/Sydney',
  IN: 'Asia/Kolkata',
  MY: 'Asia/Kuala_Lumpur',
  TH: 'Asia/Bangkok',
  PH: 'Asia/Manila',
  ID: 'Asia/Jakarta',
  VN: 'Asia/Ho_Chi_Minh',
  TW: 'Asia/Taipei',
  KR: 'Asia/Seoul',
  CN: 'Asia/Shanghai',
  JP: 'Asia/Tokyo',
  AE: 'Asia/Dubai',
  BH: 'Asia/Bahrain',
};
export const DEFAULT_APAC_TIME_ZONE = 'Asia/Singapore';

const LOCALES: Readonly<Record<string, string>> = { SG: 'en_SG', HK: 'en_HK', AU: 'en_AU', IN: 'en_IN' };

/**
 * Asia-Pacific v1 (contract §0, §3, §4, §5): `/v1` paths, paged listings (`nextStartIndex`), the
 * three transaction keys, 12 months of history, card windows of at most 90 days, statements.
 */
export function apac(country: string): Dialect {
  const cc = country.toLowerCase();
  return {
    country,
    name: 'Asia-Pacific v1',
    timeZone: TIME_ZONES[country] ?? DEFAULT_APAC_TIME_ZONE,
    historyMonths: 12,
    tokenPath: `/authCode/oauth2/token/${cc}/gcb`,
    authorizeParams: { countryCode: country, businessCode: 'GCB', locale: LOCALES[country] ?? 'en_US' },
    accountPaths: ['/v1/accounts'],
    transactionsPath: (accountId) => `/v1/accounts/${enc(accountId)}/transactions`,
    transactionQuery: {},
    statementsOffered: true,
    statementsPath: (accountId) => `/v1/accounts/${enc(accountId)}/statements`,
    statementPath: (accountId, statementId) => `/v1/accounts/${enc(accountId)}/statements/${enc(statementId)}`,
    maxWindow: maxWindowFor,
    readAccounts: readAccountGroups,
    readTransactions: readTransactionRows,
  };
}
