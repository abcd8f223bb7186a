import { isLosslessNumber, type LosslessNumber } from 'lossless-json';
import { z } from 'zod';
import { isCalendarDate } from './windows.ts';

/**
 * The shape of every Citi response the client reads (contract §1–§6), as lenient as the contract
 * allows and no more: unknown fields are kept (loose objects), optional fields may be missing or
 * null, a single object is accepted where an array belongs (§6), ids may be numbers. Amounts are
 * only checked to be numbers here; money.ts decides whether they can be kept exact.
 */

const nullish = <T extends z.ZodType>(t: T) => t.nullish();

/**
 * Text; Citi sometimes sends numbers for codes (`checkNumber: 1007`). Resource bodies are parsed
 * losslessly (json.ts), so a numeric id arrives as its exact digits, however long.
 */
export const idLike = z.union([
  z.string(),
  z.custom<LosslessNumber>((v) => isLosslessNumber(v)).transform((n) => n.value),
  z
    .number()
    .refine(numberIdExact, 'a numeric id beyond 2^53 cannot be kept exact')
    .transform((n) => String(n)),
]);

/**
 * Whether a JS number's text is the id Citi sent. A body reaches the parsers as JS numbers only
 * when JSON.parse gives every number back as written (json.ts mayLoseDigits): a safe integer, or a
 * fraction written without an exponent (`1.5`). The lossless parse keeps `1.5` as its text: a
 * fraction refused here made the same row's page fail or pass with the rest of the page.
 */
export function numberIdExact(n: number): boolean {
  return Number.isSafeInteger(n) || (Number.isFinite(n) && !Number.isInteger(n) && !String(n).includes('e'));
}

export const text = z.string();

/**
 * Ids that key a unique index (account, transaction, statement ids). A btree entry holds at most
 * 2704 bytes (a third of an 8 KB page, less overhead) and ours pair two such ids: 1000 bytes each
 * leaves room, and no real Citi id is near it. Refused here, naming the field, instead of by
 * Postgres (54000 "index row requires N bytes") after the page was half processed.
 */
export const MAX_KEY_ID_BYTES = 1000;
export const keyIdFits = (s: string) => Buffer.byteLength(s, 'utf8') <= MAX_KEY_ID_BYTES;
const KEY_ID_TOO_LONG = `longer than ${MAX_KEY_ID_BYTES} bytes (an id must fit in a database index)`;
/*
 * Account and statement ids become URL path segments: encodeURIComponent leaves `.` and `..` as they
 * are, and a server resolving `/accounts/../transactions` would answer another resource with the
 * customer's token. No real id is a dot segment; one is refused, naming the field.
 */
const notDotSegment = (s: string) => s !== '.' && s !== '..';
export const keyId = idLike.pipe(z.string().refine(keyIdFits, KEY_ID_TOO_LONG));
/** An id that goes into a request path (accounts, statements). */
export const pathId = keyId.pipe(z.string().min(1).refine(notDotSegment, 'a dot segment (. or ..) cannot be an id in a path'));

export const calendarDate = z.string().refine(isCalendarDate, 'not a calendar date (YYYY-MM-DD)');

/** An optional date where `""` also means absent. */
export const optionalDate = z.preprocess((v) => (v === '' ? null : v), calendarDate.nullish());

/** Three letters, either case (upper-cased once read). */
export const CURRENCY_CODE = /^[A-Za-z]{3}$/;

export const currencyCode = z
  .string()
  .regex(CURRENCY_CODE, 'not a 3-letter currency code')
  .transform((s) => s.toUpperCase());

export const optionalCurrency = z.preprocess((v) => (v === '' ? null : v), currencyCode.nullish());

/** A JSON number (its exact text) or a decimal string (§3); money.ts reads either exactly. */
// A plain number first: a union tries its members in order and records an issue for each miss, and
// nearly every body takes the fast parse (json.ts), where amounts are JS numbers.
export const amount = z.union([z.number(), z.string(), z.custom<LosslessNumber>((v) => isLosslessNumber(v), 'expected a number')]);

/** `nextStartIndex`: opaque text, sent back unchanged. Absent, null or "" = last page. */
export const cursor = z
  .union([z.string(), idLike])
  .nullish()
  .transform((s) => (s === undefined || s === null || s === '' ? null : s));

/** §6: Citi's own v2 example puts one object where an array belongs. */
export function arrayOrOne<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? [v] : v), z.array(item));
}

const looseRecord = z.looseObject({});

// §1 token response.
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  token_type: nullish(z.string()),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().positive()),
  refresh_token_expires_in: nullish(
    z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().positive()),
  ),
  scope: nullish(z.string()),
});

export const revokeResponseSchema = z.looseObject({ status: nullish(z.string()) });

// §3 accounts: the fields of one account object, whichever envelope held it (envelopes.ts).
/** A day, also when sent as a date-time (`2020-01-21T18:28:00.000+0000`); "" is absent. */
export const dayLike = z.preprocess(
  (v) => (v === '' ? null : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? v.slice(0, 10) : v),
  calendarDate.nullish(),
);

export const accountSchema = z.looseObject({
  accountId: pathId,
  currencyCode: optionalCurrency,
  accountStatus: nullish(text),
  productName: nullish(text),
  productCode: nullish(idLike),
  accountNickname: nullish(text),
  accountNickName: nullish(text),
  displayAccountNumber: nullish(idLike),
  accountClassification: nullish(text),
  balanceType: nullish(text),
  currentBalance: nullish(amount),
  availableBalance: nullish(amount),
  outstandingBalance: nullish(amount),
  availableCredit: nullish(amount),
  creditAvailableAmount: nullish(amount),
  creditLimit: nullish(amount),
  minimumDueAmount: nullish(amount),
  paymentDueAmount: nullish(amount),
  nextPaymentAmount: nullish(amount),
  paymentDueDate: dayLike,
  nextPaymentDate: dayLike,
  lastStatementBalance: nullish(amount),
  currentBalanceAmount: nullish(amount),
  totalPortfolioBalanceAmount: nullish(amount),
  accountValue: nullish(amount),
  asOfDateTime: dayLike,
  // Entries stay records here; balances.ts validates each so errors name the index.
  accountHoldings: z.preprocess((v) => (v === null || v === undefined ? [] : v), arrayOrOne(looseRecord)),
  retirementPlanComponents: z.preprocess((v) => (v === null || v === undefined ? [] : v), arrayOrOne(looseRecord)),
});

export const holdingSchema = z.looseObject({
  symbol: nullish(idLike),
  cusip: nullish(idLike),
  description: nullish(text),
  securityDescription: nullish(text),
  securityName: nullish(text),
  componentName: nullish(text),
  quantity: nullish(amount),
  price: nullish(amount),
  totalValueAmount: nullish(amount),
  marketValue: nullish(amount),
  currencyCode: optionalCurrency,
  asOfDateTime: dayLike,
});

// §4 transactions.
export const transactionSchema = z.looseObject({
  transactionId: nullish(keyId),
  /** India (§4): identifies the row where `transactionId` is absent; statement rows too (§5). */
  transactionReferenceId: nullish(keyId),
  accountId: nullish(idLike),
  transactionDate: calendarDate,
  transactionPostingDate: optionalDate,
  transactionDescription: nullish(text),
  transactionDescriptionExtension: nullish(text),
  transactionAmount: amount,
  debitCreditMemo: nullish(text),
  currencyCode: optionalCurrency,
  transactionStatus: nullish(text),
  transactionType: nullish(text),
  checkNumber: nullish(idLike),
  merchantName: nullish(text),
  merchantCategory: nullish(idLike),
  merchantCategoryCode: nullish(idLike),
  foreignTransactionAmount: nullish(amount),
  foreignCurrencyCode: optionalCurrency,
  foreignExchangeRate: nullish(amount),
  transactionAuthorizationCode: nullish(idLike),
});

// §5 statements.
export const statementRefSchema = z.looseObject({
  statementId: pathId,
  statementDate: optionalDate,
});

export const statementListSchema = z.looseObject({
  // Rows stay records here; normalize.ts validates each so errors name the row index. Null is an
  // empty list; a body without the key (another envelope, an error object sent with 200) is
  // malformed, never read as "no statements".
  statementList: z.preprocess((v) => (v === null ? [] : v), arrayOrOne(looseRecord)),
  nextStartIndex: cursor,
});

export const statementSummarySchema = z.looseObject({
  beginningBalanceAmount: nullish(amount),
  outstandingBalance: nullish(amount),
  totalDebitAmount: nullish(amount),
  totalCreditAmount: nullish(amount),
  creditLimit: nullish(amount),
  minimumDueAmount: nullish(amount),
  paymentDueDate: optionalDate,
  pastDueAmount: nullish(amount),
});

export const statementBodySchema = z.looseObject({
  statementDate: optionalDate,
  statementSummary: nullish(statementSummarySchema),
  transactions: z.preprocess((v) => (v === null || v === undefined ? [] : v), arrayOrOne(looseRecord)),
  nextStartIndex: cursor,
});

export const statementResponseSchema = z.looseObject({ creditCardStatement: statementBodySchema });
