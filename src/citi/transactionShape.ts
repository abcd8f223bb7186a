import { isLosslessNumber } from 'lossless-json';
import type { z } from 'zod';
import { CURRENCY_CODE, MAX_KEY_ID_BYTES, keyIdFits, numberIdExact, type transactionSchema } from './schemas.ts';
import { isCalendarDate } from './windows.ts';

/**
 * A hand-written check of one transaction row against `transactionSchema` (schemas.ts), for the
 * backfill's hot path: zod's walk of the schema's unions, pipes and preprocessors was the largest
 * share of the engine's CPU per row (15 % of a 100k-row backfill). It accepts only what the schema
 * accepts and returns what the schema's parse would give for every field the client reads; anything
 * it is not sure of (a field of an unexpected type, an id too long, a bad date) makes it return
 * undefined, and the caller runs the schema itself, which accepts the row or fails with the usual
 * field path and reason. So it can only be faster, never more lenient nor less clear.
 */

export type TransactionFields = z.output<typeof transactionSchema>;

/** Returned by a field reader when the schema must decide. */
const ASK_ZOD: unique symbol = Symbol('ask zod');
type Read<T> = T | typeof ASK_ZOD;

/** `idLike`: a string, an exact number's digits, or a safe integer as text. */
function idLike(v: unknown): Read<string> {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberIdExact(v) ? String(v) : ASK_ZOD;
  if (isLosslessNumber(v)) return v.value;
  return ASK_ZOD;
}

function nullishIdLike(v: unknown): Read<string | null | undefined> {
  return v === undefined || v === null ? v : idLike(v);
}

/** `keyId`, nullish: an id that must fit in an index entry. */
function nullishKeyId(v: unknown): Read<string | null | undefined> {
  if (v === undefined || v === null) return v;
  const s = idLike(v);
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: ids that short need no count.
  if (s === ASK_ZOD || (s.length * 3 > MAX_KEY_ID_BYTES && !keyIdFits(s))) return ASK_ZOD;
  return s;
}

function nullishText(v: unknown): Read<string | null | undefined> {
  return v === undefined || v === null || typeof v === 'string' ? v : ASK_ZOD;
}

/** `amount`: a finite JS number, a string, or an exact number, as they are (money.ts reads them). */
function amount(v: unknown): Read<TransactionFields['transactionAmount']> {
  if (typeof v === 'number') return Number.isFinite(v) ? v : ASK_ZOD;
  if (typeof v === 'string' || isLosslessNumber(v)) return v;
  return ASK_ZOD;
}

function nullishAmount(v: unknown): Read<TransactionFields['transactionAmount'] | null | undefined> {
  return v === undefined || v === null ? v : amount(v);
}

/** `optionalDate`: "" is absent (null). */
function optionalDate(v: unknown): Read<string | null | undefined> {
  if (v === undefined || v === null) return v;
  if (v === '') return null;
  return typeof v === 'string' && isCalendarDate(v) ? v : ASK_ZOD;
}

/** `optionalCurrency`: "" is absent (null); three letters, upper-cased. */
function optionalCurrency(v: unknown): Read<string | null | undefined> {
  if (v === undefined || v === null) return v;
  if (v === '') return null;
  return typeof v === 'string' && CURRENCY_CODE.test(v) ? v.toUpperCase() : ASK_ZOD;
}

/**
 * The schema's output for a clean row object (the keys the client reads), or undefined when only
 * the schema itself can say (then `checkShape(transactionSchema, row)` must be called).
 */
export function transactionFieldsFast(row: Record<string, unknown>): TransactionFields | undefined {
  const transactionDate = row.transactionDate;
  if (typeof transactionDate !== 'string' || !isCalendarDate(transactionDate)) return undefined;
  const out = {
    transactionId: nullishKeyId(row.transactionId),
    transactionReferenceId: nullishKeyId(row.transactionReferenceId),
    accountId: nullishIdLike(row.accountId),
    transactionDate,
    transactionPostingDate: optionalDate(row.transactionPostingDate),
    transactionDescription: nullishText(row.transactionDescription),
    transactionDescriptionExtension: nullishText(row.transactionDescriptionExtension),
    transactionAmount: amount(row.transactionAmount),
    debitCreditMemo: nullishText(row.debitCreditMemo),
    currencyCode: optionalCurrency(row.currencyCode),
    transactionStatus: nullishText(row.transactionStatus),
    transactionType: nullishText(row.transactionType),
    checkNumber: nullishIdLike(row.checkNumber),
    merchantName: nullishText(row.merchantName),
    merchantCategory: nullishIdLike(row.merchantCategory),
    merchantCategoryCode: nullishIdLike(row.merchantCategoryCode),
    foreignTransactionAmount: nullishAmount(row.foreignTransactionAmount),
    foreignCurrencyCode: optionalCurrency(row.foreignCurrencyCode),
    foreignExchangeRate: nullishAmount(row.foreignExchangeRate),
    transactionAuthorizationCode: nullishIdLike(row.transactionAuthorizationCode),
  };
  for (const k in out) if (out[k as keyof typeof out] === ASK_ZOD) return undefined;
  return out as TransactionFields;
}
