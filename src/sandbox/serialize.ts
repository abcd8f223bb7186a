/**
 * Turns internal rows and accounts into the contract's JSON objects (§3-§5), honouring the account's
 * §6 shape. Field order follows the contract examples. Amounts are integer minor units divided by a
 * power of ten, which prints the exact decimal (1234 / 100 -> 12.34).
 */
import { MCC_DESCRIPTIONS, TEMPLATES, type Group } from './catalog.ts';
import { compactDay, dayOfMonth, isoDay } from './dates.ts';
import { FLAG_CORRECTED, FLAG_EXTRA_FIELD, lowerBound, type Row } from './ledger.ts';
import type { Market } from './market.ts';
import { isLiability, type Account, type Statement } from './model.ts';
import { balanceEffect, MAX_PENDING_DAYS } from './simulate.ts';

/** US v2 type names where they differ from the simulator's (contract §4 enums per kind). */
const US_CARD_TYPES: Readonly<Record<string, string>> = { FEE: 'FEES', INTEREST: 'INTEREST_CHARGES', CASH_ADVANCE: 'CASH_ADVANCES' };
const US_DEPOSIT_TYPES: Readonly<Record<string, string>> = { FEE: 'FEES', INTEREST: 'DIVIDEND_AND_INTEREST', CHECK: 'WITHDRAWAL' };
const US_LOAN_TYPES: Readonly<Record<string, string>> = { INTEREST: 'INTEREST_CHARGED', FEE: 'FEE', CASH_ADVANCE: 'CASH_ADVANCE' };

function usType(group: Group, type: string): string {
  const table = group === 'CREDIT_CARD' ? US_CARD_TYPES : isLiability(group) ? US_LOAN_TYPES : US_DEPOSIT_TYPES;
  return table[type] ?? type;
}

export function money(acct: Account, minor: number): number {
  return minor / 10 ** acct.currency.decimals;
}

export function transactionId(acct: Account, row: Row): string {
  return row.post < 0 ? `P-${acct.index}-${row.seq}` : `${acct.idPrefix}${compactDay(row.day)}${String(row.seq).padStart(8, '0')}`;
}

export function authCode(auth: number): string {
  return auth.toString(36).toUpperCase().padStart(5, '0');
}

export function lastStatementDay(acct: Account): number {
  return acct.statements[acct.statements.length - 1]?.day ?? Number.NEGATIVE_INFINITY;
}

/** US cards always say BILLED/UNBILLED once posted (its card status enum has no POSTED); elsewhere only under the 'billedStatus' shape. */
export function rowStatus(acct: Account, row: Row, billedUpTo: number, market: Market): string {
  if (row.post < 0) return 'PENDING';
  if (acct.group === 'CREDIT_CARD' && (acct.shape === 'billedStatus' || market.dialect === 'us-v2')) return row.post <= billedUpTo ? 'BILLED' : 'UNBILLED';
  return 'POSTED';
}

/**
 * The amount as the API shows it. US v2: a magnitude whose direction is debitCreditMemo (a card
 * payment is a positive CREDIT). Asia-Pacific: card payments and credits are negative (contract §4).
 */
export function shownAmount(acct: Account, row: Row, market: Market): number {
  const negative = market.dialect === 'apac-v1' && acct.group === 'CREDIT_CARD' && TEMPLATES[row.tpl]!.credit;
  return money(acct, negative ? -row.amt : row.amt);
}

/** The customer's view: money arriving is positive, money leaving negative, as exact JSON number text. */
export function signedAmount(acct: Account, row: Row): string {
  return String(money(acct, TEMPLATES[row.tpl]!.credit ? row.amt : -row.amt));
}

export function rowJson(acct: Account, row: Row, billedUpTo: number, market: Market): Record<string, unknown> {
  const t = TEMPLATES[row.tpl]!;
  const us = market.dialect === 'us-v2';
  const out: Record<string, unknown> = {};
  // US v2 sends no id on pending rows (contract §4); India names its id transactionReferenceId.
  if (acct.shape !== 'noIds' && !(us && row.post < 0)) out[market.idField] = transactionId(acct, row);
  out.accountId = acct.accountId;
  out.displayAccountNumber = acct.displayNumber;
  out.transactionDate = isoDay(row.day);
  if (row.post >= 0) out.transactionPostingDate = isoDay(row.post);
  out.transactionDescription = row.flags & FLAG_CORRECTED ? `${t.desc} - ADJUSTED` : t.desc;
  if (t.ext) out.transactionDescriptionExtension = t.ext.replace('{ref}', String(100_000 + ((row.seq * 7919) % 900_000)));
  out.transactionAmount = shownAmount(acct, row, market);
  if (us || acct.group !== 'CREDIT_CARD') out.debitCreditMemo = t.credit ? 'CREDIT' : 'DEBIT';
  out.currencyCode = acct.currency.code;
  if (t.foreign && acct.currency.code === 'USD') {
    const f = t.foreign;
    out.foreignTransactionAmount = Math.round((row.amt / 100) * f.rate * 10 ** f.decimals) / 10 ** f.decimals;
    out.foreignCurrencyCode = f.currency;
    out.foreignExchangeRate = f.rate;
  }
  out.transactionStatus = rowStatus(acct, row, billedUpTo, market);
  out.transactionType = us ? usType(acct.group, t.type) : t.type;
  if (t.check) out.checkNumber = 1000 + (row.seq % 9000);
  if (row.auth > 0) out.transactionAuthorizationCode = authCode(row.auth);
  if (t.mcc) {
    if (t.type === 'PURCHASE') out.merchantName = t.desc;
    out.merchantCategory = t.mcc;
    out.merchantDescription = MCC_DESCRIPTIONS[t.mcc];
  }
  if (row.post >= 0 && !isLiability(acct.group)) out.runningBalanceAmount = money(acct, row.bal);
  if (row.flags & FLAG_EXTRA_FIELD) {
    // Fields the contract does not list: the client must keep them in the raw payload.
    if (acct.group === 'CREDIT_CARD') out.eligibleForEqualPaymentPlan = row.amt >= 10_000 ? 'ELIGIBLE' : 'NOT_ELIGIBLE';
    else out.transactionChannel = 'MOBILE';
  }
  return out;
}

/** Pending rows lower what can be spent, never raise it. */
function pendingHold(acct: Account): number {
  let hold = 0;
  for (const p of acct.pendings) {
    const effect = balanceEffect(acct, p.tpl, p.amt);
    // Deposits: a pending debit (negative effect) holds money. Cards: a pending charge (positive) holds credit.
    hold += Math.max(0, isLiability(acct.group) ? effect : -effect);
  }
  return hold;
}

export interface Balances {
  /** Deposits: money held. Cards, loans, lines of credit: amount owed. Investments: cash held. */
  current: number;
  /** Deposits: what can be spent. Cards and lines of credit: credit left. Loans and investments: null. */
  available: number | null;
}

export function balances(acct: Account): Balances {
  if (acct.status === 'CLOSED') return { current: money(acct, acct.balance), available: acct.group === 'LOANS' ? null : 0 };
  switch (acct.group) {
    case 'CHECKING':
    case 'SAVINGS':
      return { current: money(acct, acct.balance), available: money(acct, acct.balance - pendingHold(acct)) };
    case 'CREDIT_CARD':
    case 'LINE_OF_CREDIT':
      return { current: money(acct, acct.balance), available: money(acct, Math.max(0, acct.creditLimit - acct.balance - pendingHold(acct))) };
    case 'LOANS':
    case 'BROKERAGE':
    case 'RETIREMENT':
      return { current: money(acct, acct.balance), available: null };
  }
}

/** Rows billed on a statement, newest first. Immutable once issued (corrections skip billed rows). */
export function statementRows(acct: Account, st: Statement): Row[] {
  const out: Row[] = [];
  const rows = acct.rows;
  const end = lowerBound(rows, st.day + 1);
  for (let i = lowerBound(rows, st.from - MAX_PENDING_DAYS); i < end; i++) {
    const r = rows[i]!;
    if (r.post >= st.from && r.post <= st.day) out.push(r);
  }
  return out.reverse();
}

export function statementSummary(acct: Account, st: Statement): Record<string, unknown> {
  return {
    beginningBalanceAmount: money(acct, st.begin),
    outstandingBalance: money(acct, st.outstanding),
    totalDebitAmount: money(acct, st.debit),
    totalCreditAmount: money(acct, st.credit),
    creditLimit: money(acct, acct.creditLimit),
    minimumDueAmount: money(acct, st.minDue),
    paymentDueDate: isoDay(st.dueDay),
    pastDueAmount: 0,
  };
}

/** The next monthly loan instalment (the 5th, see data.ts), or null when nothing is owed. */
export function nextLoanPayment(acct: Account, today: number): { day: number; amount: number } | null {
  if (acct.status === 'CLOSED' || acct.balance <= 0) return null;
  let day = today + 1;
  while (dayOfMonth(day) !== 5) day++;
  return { day, amount: money(acct, Math.min(acct.balance, Math.max(1, Math.round(acct.openingBalance / 60)))) };
}
