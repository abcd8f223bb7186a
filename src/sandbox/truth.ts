/**
 * Ground truth: what the API would show right now, every row of the history, for exact comparisons.
 * Balances and holdings are read back from the very objects the listing serves, by the same field
 * rules the client follows (src/citi/types.ts CitiBalances, CitiHolding), so a test can compare
 * stored values to them digit for digit.
 */
import type { Group } from './catalog.ts';
import { apacAccountSummary, apacGroupName } from './apacV1.ts';
import { isoDay } from './dates.ts';
import type { Market } from './market.ts';
import { isLiability, type Account } from './model.ts';
import { balances, lastStatementDay, rowJson, signedAmount } from './serialize.ts';
import type { TruthAccount, TruthBalances, TruthHolding, TruthTransaction } from './types.ts';
import { US_GROUP, usAccountDetails } from './usV2.ts';

/** `type` names the account kind as the API's keys do (checkingAccountSummary -> 'checking'). */
const TYPE: Readonly<Record<Group, string>> = {
  CHECKING: 'checking', SAVINGS: 'savings', CREDIT_CARD: 'creditCard', LOANS: 'loan',
  LINE_OF_CREDIT: 'lineOfCredit', BROKERAGE: 'brokerage', RETIREMENT: 'retirement',
};

/** The exact text of a served value: numbers print as JSON prints them, strings stay as sent. */
function text(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return null;
}

function balancesOf(served: Record<string, unknown>): TruthBalances {
  // Asia-Pacific loans name their instalment nextPaymentAmount/nextPaymentDate [weak: the HK mock].
  const due = text(served.paymentDueDate ?? served.nextPaymentDate);
  return {
    current: text(served.currentBalance),
    available: text(served.availableBalance),
    outstanding: text(served.outstandingBalance),
    availableCredit: text(served.availableCredit ?? served.creditAvailableAmount),
    creditLimit: text(served.creditLimit),
    minimumDue: text(served.minimumDueAmount ?? served.paymentDueAmount ?? served.nextPaymentAmount),
    paymentDueDate: due === '9999-12-31' ? null : due,
    lastStatementBalance: text(served.lastStatementBalance),
    principal: text(served.currentBalanceAmount),
    portfolioValue: text(served.totalPortfolioBalanceAmount ?? served.accountValue),
  };
}

function holdingsOf(served: Record<string, unknown>): TruthHolding[] {
  const holdings = (served.accountHoldings ?? []) as Record<string, unknown>[];
  const components = (served.retirementPlanComponents ?? []) as Record<string, unknown>[];
  // Plan components carry no date of their own: the account's asOfDateTime dates them.
  const accountAsOf = typeof served.asOfDateTime === 'string' ? served.asOfDateTime.slice(0, 10) : null;
  return [
    ...holdings.map((h): TruthHolding => ({
      kind: 'holding',
      key: String(h.symbol ?? h.cusip),
      symbol: text(h.symbol),
      cusip: text(h.cusip),
      name: text(h.description ?? h.securityDescription ?? h.securityName),
      quantity: text(h.quantity),
      price: text(h.price),
      value: text(h.totalValueAmount ?? h.marketValue),
      currencyCode: text(h.currencyCode),
      asOfDate: typeof h.asOfDateTime === 'string' ? h.asOfDateTime.slice(0, 10) : null,
    })),
    ...components.map((c): TruthHolding => ({
      kind: 'plan-component',
      key: String(c.componentName),
      symbol: null,
      cusip: null,
      name: text(c.componentName),
      quantity: null,
      price: null,
      value: text(c.totalValueAmount),
      currencyCode: text(c.currencyCode),
      asOfDate: accountAsOf,
    })),
  ];
}

export function servedAccount(acct: Account, today: number, market: Market): Record<string, unknown> {
  if (market.dialect === 'us-v2') return usAccountDetails(acct, today);
  return Object.values(apacAccountSummary(acct, today, market))[0] as Record<string, unknown>;
}

export function truthOf(acct: Account, today: number, market: Market): TruthAccount {
  const billedUpTo = lastStatementDay(acct);
  const transactions: TruthTransaction[] = [];
  for (let i = acct.rows.length - 1; i >= 0; i--) {
    const row = acct.rows[i]!;
    const raw = rowJson(acct, row, billedUpTo, market);
    const id = raw[market.idField];
    transactions.push({
      transactionId: typeof id === 'string' ? id : null,
      accountId: acct.accountId,
      status: String(raw.transactionStatus),
      transactionDate: isoDay(row.day),
      postingDate: row.post >= 0 ? isoDay(row.post) : null,
      amount: raw.transactionAmount as number,
      signedAmount: signedAmount(acct, row),
      raw,
    });
  }
  const b = balances(acct);
  const served = servedAccount(acct, today, market);
  return {
    accountId: acct.accountId,
    group: acct.group,
    accountGroup: market.dialect === 'us-v2' ? US_GROUP[acct.group].name : apacGroupName(acct.group, market),
    type: TYPE[acct.group],
    currencyCode: acct.currency.code,
    status: acct.status,
    currentBalance: b.current,
    availableBalance: b.available,
    balanceType: isLiability(acct.group) ? 'LIABILITY' : 'ASSET',
    balances: balancesOf(served),
    holdings: holdingsOf(served),
    served,
    transactions,
  };
}
