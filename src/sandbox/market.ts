/**
 * The facts of one Citi market (contract §0): which dialect it speaks, its time zone and currency,
 * how far back history reaches, how long a card window may be, whether statements exist. Chosen once
 * when the sandbox starts; the dialect modules read these facts instead of asking "is this the US?".
 */
import { parseDay } from './dates.ts';
import type { Group } from './catalog.ts';

export type DialectName = 'us-v2' | 'apac-v1';

export interface Market {
  /** ISO 3166 alpha-2, upper case. */
  country: string;
  dialect: DialectName;
  /** "The bank's current date" is the date here (contract §0), not in UTC. */
  timeZone: string;
  /** Home currency of the market's accounts. */
  currency: string;
  /** How far back a from-date may reach, in months (US 24, Asia-Pacific 12). */
  historyMonths: number;
  /** Longest card window in days; null = no limit (US). */
  cardWindowDays: number | null;
  /** Longest window of any account in months; null = no limit (US: the whole window in one answer). */
  windowMonths: number | null;
  statements: boolean;
  tokenPath: string;
  /** Which field names a transaction: India's rows carry `transactionReferenceId` instead (contract §4). */
  idField: 'transactionId' | 'transactionReferenceId';
  /** The key of a transactions answer's array (contract §4: it varies by market). */
  transactionsKey(group: Group): string;
}

/** Contract §4: `{kind}AccountTransactions`, the US and most Asia-Pacific markets. */
export const KIND_TRANSACTIONS_KEY: Readonly<Record<Group, string>> = {
  CHECKING: 'checkingAccountTransactions',
  SAVINGS: 'savingsAccountTransactions',
  CREDIT_CARD: 'creditCardAccountTransactions',
  LOANS: 'loanAccountTransactions',
  LINE_OF_CREDIT: 'lineOfCreditAccountTransactions',
  BROKERAGE: 'brokerageAccountTransactions',
  RETIREMENT: 'retirementAccountTransactions',
};

const TIME_ZONES: Readonly<Record<string, string>> = {
  US: 'America/New_York',
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
  CN: 'Asia/Shanghai',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
  AE: 'Asia/Dubai',
  BH: 'Asia/Bahrain',
};

const CURRENCY: Readonly<Record<string, string>> = { US: 'USD', SG: 'SGD', HK: 'HKD', AU: 'AUD', IN: 'INR' };

/** The countries `sandbox --country` documents; any other two-letter code is served as Asia-Pacific. */
export const KNOWN_COUNTRIES = ['US', 'SG', 'HK', 'AU', 'IN'] as const;

/** The market of a country code (case-insensitive). Throws a TypeError naming the bad value. */
export function marketOf(countryCode: string): Market {
  const country = countryCode.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new TypeError(`country must be a two-letter code like US or SG, got ${JSON.stringify(countryCode)}`);
  const tokenPath = `/authCode/oauth2/token/${country.toLowerCase()}/gcb`;
  if (country === 'US') {
    return {
      country, dialect: 'us-v2', timeZone: TIME_ZONES.US!, currency: 'USD', historyMonths: 24, cardWindowDays: null, windowMonths: null,
      statements: false, tokenPath, idField: 'transactionId', transactionsKey: (g) => KIND_TRANSACTIONS_KEY[g],
    };
  }
  // Contract §4: SG's sandbox keys the array `transaction`, India's `transactions`, others by kind.
  const transactionsKey = country === 'SG' ? () => 'transaction' : country === 'IN' ? () => 'transactions' : (g: Group) => KIND_TRANSACTIONS_KEY[g];
  return {
    country,
    dialect: 'apac-v1',
    timeZone: TIME_ZONES[country] ?? 'Asia/Singapore',
    currency: CURRENCY[country] ?? 'USD',
    historyMonths: 12,
    cardWindowDays: 90,
    windowMonths: 12,
    statements: true,
    tokenPath,
    idField: country === 'IN' ? 'transactionReferenceId' : 'transactionId',
    transactionsKey,
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date in `timeZone` at instant `nowMs`, as a day number. */
export function dayIn(timeZone: string, nowMs: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return parseDay(f.format(nowMs))!;
}
