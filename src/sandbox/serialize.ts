/**
 * Turns internal rows and accounts into the contract's JSON objects (§3-§5), honouring the account's
 * §6 shape. Field order follows the contract examples. Amounts are integer minor units divided by a
 * power of ten, which prints the exact decimal (1234 / 100 -> 12.34).
 */
import { MCC_DESCRIPTIONS, TEMPLATES, type Group } from './catalog.ts';
import { compactDay, isoDay } from './dates.ts';
import { FLAG_CORRECTED, FLAG_EXTRA_FIELD, lowerBound, type Row } from './ledger.ts';
import { isLiability, type Account, type Statement } from './model.ts';
import { balanceEffect, MAX_PENDING_DAYS } from './simulate.ts';

export const TRANSACTIONS_KEY: Readonly<Record<Group, string>> = {
  CHECKING: 'checkingAccountTransactions',
  SAVINGS: 'savingsAccountTransactions',
  CREDIT_CARD: 'creditCardAccountTransactions',
  LOANS: 'loanAccountTransactions',
};

export const SUMMARY_KEY: Readonly<Record<Group, string>> = {
  CHECKING: 'checkingAccountSummary',
  SAVINGS: 'savingsAccountSummary',
  CREDIT_CARD: 'creditCardAccountSummary',
  LOANS: 'loanAccountSummary',
};

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

export function rowStatus(acct: Account, row: Row, billedUpTo: number): string {
  if (row.post < 0) return 'PENDING';
  if (acct.shape === 'billedStatus' && acct.group === 'CREDIT_CARD') return row.post <= billedUpTo ? 'BILLED' : 'UNBILLED';
  return 'POSTED';
}

/** The signed amount as the API shows it: card payments and credits are negative (contract §4). */
export function shownAmount(acct: Account, row: Row): number {
  const negative = acct.group === 'CREDIT_CARD' && TEMPLATES[row.tpl]!.credit;
  return money(acct, negative ? -row.amt : row.amt);
}

export function rowJson(acct: Account, row: Row, billedUpTo: number): Record<string, unknown> {
  const t = TEMPLATES[row.tpl]!;
  const out: Record<string, unknown> = {};
  if (acct.shape !== 'noIds') out.transactionId = transactionId(acct, row);
  out.accountId = acct.accountId;
  out.displayAccountNumber = acct.displayNumber;
  out.transactionDate = isoDay(row.day);
  if (row.post >= 0) out.transactionPostingDate = isoDay(row.post);
  out.transactionDescription = row.flags & FLAG_CORRECTED ? `${t.desc} - ADJUSTED` : t.desc;
  if (t.ext) out.transactionDescriptionExtension = t.ext.replace('{ref}', String(100_000 + ((row.seq * 7919) % 900_000)));
  out.transactionAmount = shownAmount(acct, row);
  if (acct.group !== 'CREDIT_CARD') out.debitCreditMemo = t.credit ? 'CREDIT' : 'DEBIT';
  out.currencyCode = acct.currency.code;
  if (t.foreign && acct.currency.code === 'USD') {
    const f = t.foreign;
    out.foreignTransactionAmount = Math.round((row.amt / 100) * f.rate * 10 ** f.decimals) / 10 ** f.decimals;
    out.foreignCurrencyCode = f.currency;
    out.foreignExchangeRate = f.rate;
  }
  out.transactionStatus = rowStatus(acct, row, billedUpTo);
  out.transactionType = t.type;
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
  current: number;
  available: number | null;
}

export function balances(acct: Account): Balances {
  if (acct.status === 'CLOSED') return { current: money(acct, acct.balance), available: acct.group === 'LOANS' ? null : 0 };
  switch (acct.group) {
    case 'CHECKING':
    case 'SAVINGS':
      return { current: money(acct, acct.balance), available: money(acct, acct.balance - pendingHold(acct)) };
    case 'CREDIT_CARD':
      return { current: money(acct, acct.balance), available: money(acct, Math.max(0, acct.creditLimit - acct.balance - pendingHold(acct))) };
    case 'LOANS':
      return { current: money(acct, acct.balance), available: null };
  }
}

export function accountSummary(acct: Account): Record<string, unknown> {
  const b = balances(acct);
  const s: Record<string, unknown> = {
    productName: acct.productName,
    productCode: acct.productCode,
    accountNickname: acct.nickname,
    displayAccountNumber: acct.displayNumber,
    accountId: acct.accountId,
    currencyCode: acct.currency.code,
    accountStatus: acct.status,
    accountClassification: isLiability(acct.group) ? 'LIABILITY' : 'ASSET',
    currentBalance: b.current,
  };
  if (b.available !== null) s.availableBalance = b.available;
  if (acct.group === 'CREDIT_CARD') {
    const last = acct.statements[acct.statements.length - 1];
    s.outstandingBalance = b.current;
    s.availableCredit = b.available;
    s.creditLimit = money(acct, acct.creditLimit);
    if (last) {
      s.minimumDueAmount = money(acct, last.minDue);
      s.paymentDueDate = isoDay(last.dueDay);
    }
  }
  if (acct.group === 'LOANS') s.interestRate = 6.5;
  return { [SUMMARY_KEY[acct.group]]: s };
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
