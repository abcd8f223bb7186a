import { isLosslessNumber } from 'lossless-json';
import { balancesOf, holdingsOf } from './balances.ts';
import { InvalidFieldError, maskCredentials, snippetOf } from './errors.ts';
import { cleanAndRaw, plainJson } from './json.ts';
import { toDecimalOrNull, toDecimalString, toRateStringOrNull } from './money.ts';
import { checkShape, within } from './parse.ts';
import { accountSchema, statementBodySchema, statementRefSchema, transactionSchema } from './schemas.ts';
import { directionOf, signedAmount } from './signs.ts';
import { transactionFieldsFast } from './transactionShape.ts';
import { type SyntheticKeyCounter, contentKey, syntheticKey } from './syntheticKeys.ts';
import { isPlainObject, cleanJson, oneLine } from './text.ts';
import type { CitiAccount, CitiStatement, CitiStatementRef, CitiTransaction } from './types.ts';

export { within } from './parse.ts';

/**
 * Citi's JSON → the client's types. Pure: no I/O, no clock. Every failure is an InvalidFieldError
 * naming the field; the client adds the request path. Numbers arrive as their exact text (json.ts);
 * `raw` keeps the whole object as plain JSON (NUL removed, unknown fields included).
 */

/** Kinds whose balance is owed: the old `currentBalance` column falls back to what they owe. */
const OWED_KINDS = new Set(['creditCard', 'loan', 'lineOfCredit']);

/**
 * One account object (`…AccountSummary`, `…AccountsDetails[i]`, `…AccountsSummary[i]`), whichever
 * envelope held it (envelopes.ts); `accountType` is the kind the envelope named.
 */
export function normalizeAccountObject(input: unknown, accountType: string, accountGroup: string | null): CitiAccount {
  if (!isPlainObject(input)) throw new InvalidFieldError('', 'expected an account object', snippetOf(input));
  const clean = cleanJson(input) as Record<string, unknown>;
  const s = checkShape(accountSchema, clean);
  const balances = balancesOf(s);
  const balanceType = s.balanceType ?? s.accountClassification ?? null;
  const owed = OWED_KINDS.has(accountType);
  return {
    accountId: s.accountId,
    accountGroup,
    accountType,
    productName: s.productName ?? null,
    productCode: s.productCode ?? null,
    nickname: s.accountNickname ?? s.accountNickName ?? null,
    displayAccountNumber: s.displayAccountNumber ?? null,
    currencyCode: s.currencyCode ?? null,
    status: s.accountStatus ?? null,
    classification: s.accountClassification ?? s.balanceType ?? null,
    balanceType,
    balances,
    holdings: holdingsOf(s),
    currentBalance: balances.current ?? (owed ? (balances.outstanding ?? balances.principal) : null),
    availableBalance: balances.available,
    creditLimit: balances.creditLimit,
    raw: plainJson(clean) as Record<string, unknown>,
  };
}

const SUMMARY_KEY = /^(.+)AccountSummary$/;

/**
 * One entry of an Asia-Pacific group's `accounts` array: `{ "<kind>AccountSummary": { … } }`. The
 * account kind is the key's prefix (`checkingAccountSummary` → `checking`).
 */
export function normalizeAccount(entry: unknown, accountGroup: string | null = null): CitiAccount {
  if (!isPlainObject(entry)) throw new InvalidFieldError('', 'expected an account object', snippetOf(entry));
  const key = Object.keys(entry).find((k) => SUMMARY_KEY.test(k) && isPlainObject(entry[k]));
  if (key === undefined) {
    throw new InvalidFieldError('', `no <kind>AccountSummary object in the account entry; found keys: ${keyList(entry)}`, snippetOf(entry));
  }
  const accountType = (SUMMARY_KEY.exec(key) as RegExpExecArray)[1] as string;
  return within(key, () => normalizeAccountObject(entry[key], accountType, accountGroup));
}

/** The keys of an object, for "found keys: …" messages (bounded: a hostile body may have thousands). */
export function keyList(o: Record<string, unknown>): string {
  const keys = Object.keys(o);
  const shown = keys.slice(0, 12).map((key) => {
    const k = maskCredentials(oneLine(key));
    return k.length > 40 ? `${k.slice(0, 39)}…` : k;
  });
  return keys.length === 0 ? '(none)' : shown.join(', ') + (keys.length > shown.length ? `, … (${keys.length} keys)` : '');
}

export interface NormalizeTransactionContext {
  accountId: string;
  accountType: string;
  /** Ordinals for rows without an id, shared by every page of one window walk. */
  keys: SyntheticKeyCounter;
  /** Used when a row has no `currencyCode` (the account's currency). */
  currencyCode?: string | null | undefined;
}

export function normalizeTransaction(input: unknown, ctx: NormalizeTransactionContext): CitiTransaction {
  if (!isPlainObject(input)) throw new InvalidFieldError('', 'expected a transaction object', snippetOf(input));
  const { clean, raw } = cleanAndRaw(input);
  return transactionOf(clean, raw, ctx);
}

/**
 * normalizeTransaction for a row of a body known to hold no text to clean and no exact number
 * (parse.ts `parseJsonBodyRead`: `plainText` and not `exactNumbers`): the row is its own clean
 * form and its own `raw`, with no walk over it. Internal to the client, which alone knows the body.
 */
export function normalizePlainTransaction(input: unknown, ctx: NormalizeTransactionContext): CitiTransaction {
  if (!isPlainObject(input)) throw new InvalidFieldError('', 'expected a transaction object', snippetOf(input));
  return transactionOf(input, input, ctx);
}

function transactionOf(clean: Record<string, unknown>, raw: Record<string, unknown>, ctx: NormalizeTransactionContext): CitiTransaction {
  // The schema itself only when the hand check is unsure (transactionShape.ts): same result, same errors.
  const t = transactionFieldsFast(clean) ?? checkShape(transactionSchema, clean);

  const currencyCode = t.currencyCode ?? ctx.currencyCode;
  if (!currencyCode) throw new InvalidFieldError('currencyCode', 'missing, and the account currency is unknown', 'undefined');

  const memo = t.debitCreditMemo ?? null;
  const direction = directionOf(memo, t.transactionType);
  const amount = signedAmount(toDecimalString(t.transactionAmount, 'transactionAmount'), direction);
  const foreign = foreignAmountOf(clean);
  const postingDate = t.transactionPostingDate ?? null;
  const statusRaw = t.transactionStatus ?? null;
  const description = t.transactionDescription ?? null;
  const merchantCategoryCode = t.merchantCategory ?? t.merchantCategoryCode ?? null;

  let transactionId = t.transactionId?.trim() ? t.transactionId : t.transactionReferenceId?.trim() ? t.transactionReferenceId : null;
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
    foreignAmount: foreign === null ? null : signedAmount(foreign, direction === 'as-sent' ? (amount.startsWith('-') ? 'out' : 'in') : direction),
    foreignCurrencyCode: t.foreignCurrencyCode ?? null,
    foreignExchangeRate: toRateStringOrNull(t.foreignExchangeRate, 'foreignExchangeRate'),
    authorizationCode: t.transactionAuthorizationCode ?? null,
    checkNumber: t.checkNumber ?? null,
    raw,
  };
}

/**
 * `foreignTransactionAmount` (2017 sandbox), or the US v2 spec's `foreignCurrency` when it is a number
 * ("the transaction amount … in the foreign currency"); text there is a description, not an amount.
 */
function foreignAmountOf(row: Record<string, unknown>): string | null {
  const amount = toDecimalOrNull(row.foreignTransactionAmount, 'foreignTransactionAmount');
  if (amount !== null) return amount;
  const v = row.foreignCurrency;
  // An exact number (a lossless parse, json.ts) is an object too, but a number: read, not skipped.
  if (v === undefined || v === null || (typeof v === 'string' && !/^-?\d/.test(v.trim())) || (isPlainObject(v) && !isLosslessNumber(v))) return null;
  return toDecimalOrNull(v, 'foreignCurrency');
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
 * The signed amount of a row (contract §4 "Signs", signs.ts). `accountType` is no longer consulted:
 * the rule is the same for every kind; kept in the signature for callers of the old one.
 */
export function signed(apiAmount: string, _accountType: string, debitCreditMemo: string | null, transactionType: string | null = null): string {
  return signedAmount(apiAmount, directionOf(debitCreditMemo, transactionType));
}

export function normalizeStatementRef(input: unknown): CitiStatementRef {
  if (!isPlainObject(input)) throw new InvalidFieldError('', 'expected a statement object', snippetOf(input));
  const clean = cleanJson(input) as Record<string, unknown>;
  const item = checkShape(statementRefSchema, clean);
  return { statementId: item.statementId, statementDate: item.statementDate ?? null, raw: plainJson(clean) as Record<string, unknown> };
}

/** A card statement (§5) whose transactions were already normalized (they may span pages). */
export function normalizeStatement(statementId: string, body: unknown, transactions: CitiTransaction[]): CitiStatement {
  const clean = cleanJson(body);
  const st = checkShape(statementBodySchema, clean);
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
    raw: plainJson(clean) as Record<string, unknown>,
  };
}
