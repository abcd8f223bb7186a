import { InvalidFieldError, snippetOf } from './errors.ts';
import { isNegativeDecimal, negateDecimal, toDecimalOrNull, toDecimalString, toRateStringOrNull } from './money.ts';
import { checkShape } from './parse.ts';
import { accountSummarySchema, statementBodySchema, statementRefSchema, transactionSchema } from './schemas.ts';
import { type SyntheticKeyCounter, contentKey, syntheticKey } from './synthetic-keys.ts';
import { isPlainObject, cleanJson } from './text.ts';
import type { CitiAccount, CitiStatement, CitiStatementRef, CitiTransaction } from './types.ts';

/**
 * Citi's JSON → the client's types. Pure: no I/O, no clock. Every failure is an InvalidFieldError
 * naming the field; the client adds the request path. Text loses NUL characters (Postgres cannot store
 * them) and nothing else; `raw` keeps the whole payload, unknown fields included.
 */

const SUMMARY_KEY = /^(.+)AccountSummary$/;

/**
 * One entry of an account group's `accounts` array: `{ "<type>AccountSummary": { … } }`. The account
 * type is the key's prefix (`checkingAccountSummary` → `checking`).
 */
export function normalizeAccount(entry: unknown, accountGroup: string | null = null): CitiAccount {
  if (!isPlainObject(entry)) throw new InvalidFieldError('', 'expected an account object', snippetOf(entry));
  const clean = cleanJson(entry) as Record<string, unknown>;
  const key = Object.keys(clean).find((k) => SUMMARY_KEY.test(k) && isPlainObject(clean[k]));
  if (key === undefined) {
    throw new InvalidFieldError('', 'no <type>AccountSummary object in the account entry', snippetOf(entry));
  }
  const accountType = (SUMMARY_KEY.exec(key) as RegExpExecArray)[1] as string;
  const raw = clean[key] as Record<string, unknown>;
  const s = within(key, () => checkShape(accountSummarySchema, raw));
  return {
    accountId: s.accountId,
    accountGroup,
    accountType,
    productName: s.productName ?? null,
    productCode: s.productCode ?? null,
    nickname: s.accountNickname ?? null,
    displayAccountNumber: s.displayAccountNumber ?? null,
    currencyCode: s.currencyCode,
    status: s.accountStatus,
    classification: s.accountClassification ?? null,
    currentBalance: within(key, () => toDecimalOrNull(s.currentBalance, 'currentBalance')),
    availableBalance: within(key, () => toDecimalOrNull(s.availableBalance, 'availableBalance')),
    creditLimit: within(key, () => toDecimalOrNull(s.creditLimit, 'creditLimit')),
    raw,
  };
}

export interface NormalizeTransactionContext {
  accountId: string;
  accountType: string;
  /** Ordinals for rows without an id, shared by every page of one window walk. */
  keys: SyntheticKeyCounter;
  /** Used when a row has no `currencyCode` (the account's currency). */
  currencyCode?: string | undefined;
}

export function normalizeTransaction(input: unknown, ctx: NormalizeTransactionContext): CitiTransaction {
  if (!isPlainObject(input)) throw new InvalidFieldError('', 'expected a transaction object', snippetOf(input));
  const raw = cleanJson(input) as Record<string, unknown>;
  const t = checkShape(transactionSchema, raw);

  const currencyCode = t.currencyCode ?? ctx.currencyCode;
  if (!currencyCode) throw new InvalidFieldError('currencyCode', 'missing, and the account currency is unknown', 'undefined');

  const memo = t.debitCreditMemo ?? null;
  const sign = (v: string) => signed(v, ctx.accountType, memo);
  const amount = sign(toDecimalString(t.transactionAmount, 'transactionAmount'));
  const foreign = toDecimalOrNull(t.foreignTransactionAmount, 'foreignTransactionAmount');
  const postingDate = t.transactionPostingDate ?? null;
  const statusRaw = t.transactionStatus ?? null;
  const description = t.transactionDescription ?? null;
  const merchantCategoryCode = t.merchantCategory ?? t.merchantCategoryCode ?? null;

  let transactionId = t.transactionId?.trim() ? t.transactionId : null;
  const idSynthetic = transactionId === null;
  if (transactionId === null) {
    const content = contentKey({
      accountId: ctx.accountId,
      transactionDate: t.transactionDate,
      postingDate,
      amount,
      description,
      merchantCategoryCode,
    });
    transactionId = syntheticKey(content, ctx.keys.next(content));
  }

  return {
    transactionId,
    idSynthetic,
    status: statusOf(statusRaw, postingDate),
    statusRaw,
    transactionDate: t.transactionDate,
    postingDate,
    amount,
    currencyCode,
    description,
    descriptionExtension: t.transactionDescriptionExtension ?? null,
    merchantName: t.merchantName ?? null,
    merchantCategoryCode,
    transactionType: t.transactionType ?? null,
    debitCreditMemo: memo,
    foreignAmount: foreign === null ? null : sign(foreign),
    foreignCurrencyCode: t.foreignCurrencyCode ?? null,
    foreignExchangeRate: toRateStringOrNull(t.foreignExchangeRate, 'foreignExchangeRate'),
    authorizationCode: t.transactionAuthorizationCode ?? null,
    checkNumber: t.checkNumber ?? null,
    raw,
  };
}

/**
 * §6: `PENDING` is pending (even if a posting date is present: a row wrongly kept as pending is
 * cleaned up when it disappears, one wrongly taken as posted would stay beside its posted twin);
 * otherwise a posting date, or POSTED/UNBILLED/BILLED, means posted; an unknown status without a
 * posting date is pending.
 */
export function statusOf(statusRaw: string | null, postingDate: string | null): 'pending' | 'posted' {
  const s = statusRaw?.trim().toUpperCase() ?? '';
  if (s === 'PENDING') return 'pending';
  if (postingDate !== null) return 'posted';
  return s === 'POSTED' || s === 'UNBILLED' || s === 'BILLED' ? 'posted' : 'pending';
}

/**
 * Contract §4 sign conventions → one signed amount (negative = money leaving the customer).
 * - Credit cards: charges come positive and payments/credits negative, so the sign is flipped.
 * - Checking, savings, loans (and unknown types): amounts come positive with `debitCreditMemo`;
 *   DEBIT becomes negative. A negative amount there breaks the contract; we keep the sign the API
 *   gave rather than guess (flipping it by the memo could double-negate a correction). No memo: as sent.
 */
export function signed(apiAmount: string, accountType: string, debitCreditMemo: string | null): string {
  if (accountType === 'creditCard') return negateDecimal(apiAmount);
  if (isNegativeDecimal(apiAmount)) return apiAmount;
  return debitCreditMemo?.trim().toUpperCase() === 'DEBIT' ? negateDecimal(apiAmount) : apiAmount;
}

/** The array key of a transactions response for an account type (§4). */
export function transactionsKeyFor(accountType: string): string {
  return `${accountType}AccountTransactions`;
}

export function normalizeStatementRef(input: unknown): CitiStatementRef {
  const raw = cleanJson(input) as Record<string, unknown>;
  if (!isPlainObject(input)) throw new InvalidFieldError('', 'expected a statement object', snippetOf(input));
  const item = checkShape(statementRefSchema, raw);
  return { statementId: item.statementId, statementDate: item.statementDate ?? null, raw };
}

/** A card statement (§5) whose transactions were already normalized (they may span pages). */
export function normalizeStatement(
  statementId: string,
  body: unknown,
  transactions: CitiTransaction[],
): CitiStatement {
  const raw = cleanJson(body) as Record<string, unknown>;
  const st = checkShape(statementBodySchema, raw);
  const sum = st.statementSummary ?? {};
  const dec = (field: string, v: unknown) => within('statementSummary', () => toDecimalOrNull(v, field));
  return {
    statementId,
    statementDate: st.statementDate ?? null,
    beginningBalance: dec('beginningBalanceAmount', sum.beginningBalanceAmount),
    endingBalance: dec('outstandingBalance', sum.outstandingBalance),
    totalDebits: dec('totalDebitAmount', sum.totalDebitAmount),
    totalCredits: dec('totalCreditAmount', sum.totalCreditAmount),
    minimumDue: dec('minimumDueAmount', sum.minimumDueAmount),
    paymentDueDate: sum.paymentDueDate ?? null,
    creditLimit: dec('creditLimit', sum.creditLimit),
    pastDue: dec('pastDueAmount', sum.pastDueAmount),
    transactions,
    raw,
  };
}

/** Runs `fn`, locating any InvalidFieldError it raises under `prefix`. */
export function within<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidFieldError) throw err.within(prefix);
    throw err;
  }
}
