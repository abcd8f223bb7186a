import { absDecimal, negateDecimal } from './money.ts';

/**
 * Contract §4 "Signs": one signed amount per row, negative = money leaving the customer, positive =
 * money arriving, for every account kind. Decided from `debitCreditMemo` when present (DEBIT out,
 * CREDIT in); without it, from the transaction type; only then from the sign of the amount as sent.
 * The amount and memo as sent stay in the row's `raw`.
 */

/** Types that move money to the customer: payments to a card or loan, credits, refunds, deposits. */
const IN_TYPES = new Set(['PAYMENT', 'CREDIT', 'PURCHASE_CREDIT', 'REFUND', 'DEPOSIT', 'DIVIDEND_AND_INTEREST', 'FEE_WAIVED']);

/** Types that take money from the customer: purchases, fees, interest, cash advances, withdrawals. */
const OUT_TYPES = new Set([
  'PURCHASE',
  'FEES',
  'FEE',
  'INTEREST',
  'INTEREST_CHARGES',
  'INTEREST_CHARGED',
  'CASH_ADVANCES',
  'CASH_ADVANCE',
  'WITHDRAWAL',
]);

export type Direction = 'in' | 'out' | 'as-sent';

/**
 * TRANSFER, WITHDRAWAL_OR_DEPOSIT, ADJUSTMENT(S), TRANSACTION_VOID, OTHER and unknown types say
 * nothing about the direction: the amount's sign decides.
 */
export function directionOf(debitCreditMemo: string | null | undefined, transactionType: string | null | undefined): Direction {
  const memo = debitCreditMemo?.trim().toUpperCase();
  if (memo === 'DEBIT') return 'out';
  if (memo === 'CREDIT') return 'in';
  const type = transactionType?.trim().toUpperCase() ?? '';
  if (IN_TYPES.has(type)) return 'in';
  if (OUT_TYPES.has(type)) return 'out';
  return 'as-sent';
}

/** A plain decimal string signed by the direction (zero stays unsigned). */
export function signedAmount(amount: string, direction: Direction): string {
  if (direction === 'as-sent') return amount;
  const magnitude = absDecimal(amount);
  return direction === 'in' ? magnitude : negateDecimal(magnitude);
}
