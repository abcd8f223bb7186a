import { readAccountGroups, readTransactionRows } from '../envelopes.ts';
import { type Dialect, enc } from './dialect.ts';

/**
 * US v2 (contract §0, §3, §4): `/v2` paths, the details envelope (the older `/v2/accounts` summary
 * shape still read), no paging declared (a `nextStartIndex` is followed if one appears), 204 for an
 * empty window, 24 months of history, no statements.
 */
export const US: Dialect = {
  country: 'US',
  name: 'US v2',
  timeZone: 'America/New_York',
  historyMonths: 24,
  tokenPath: '/authCode/oauth2/token/us/gcb',
  authorizeParams: { countryCode: 'US', businessCode: 'GCB', locale: 'en_US' },
  accountPaths: ['/v2/accounts/details', '/v2/accounts'],
  transactionsPath: (accountId) => `/v2/accounts/${enc(accountId)}/transactions`,
  transactionQuery: {},
  statementsOffered: false,
  statementsPath: (accountId) => `/v2/accounts/${enc(accountId)}/statements`,
  statementPath: (accountId, statementId) => `/v2/accounts/${enc(accountId)}/statements/${enc(statementId)}`,
  // No window length is declared: a year per call keeps each (unpaged) answer bounded.
  maxWindow: () => ({ unit: 'months', count: 12 }),
  // A window comes whole in one answer, held in memory while it is parsed and written: a quarter
  // keeps a busy account's answer near a megabyte (a year of 5,000 rows was ~5 MB per window, and a
  // 1M-row backfill peaked at 508 MB), and gives a backfill eight windows to fetch and write at once.
  defaultWindowDays: 92,
  readAccounts: readAccountGroups,
  readTransactions: readTransactionRows,
};
