import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { InvalidFieldError, snippetOf } from './errors.ts';
import { plainJson } from './json.ts';
import { toDecimalOrNull } from './money.ts';
import { checkShape, within } from './parse.ts';
import { holdingSchema, type accountSchema } from './schemas.ts';
import { isPlainObject, cleanJson } from './text.ts';
import type { CitiBalances, CitiHolding } from './types.ts';

/**
 * The balances, holdings and plan components of one account object (contract §3), whatever its kind:
 * every field Citi sent is kept under one name (ACCOUNT-TYPES.md), exactly, and absent is null.
 */

type AccountFields = z.output<typeof accountSchema>;

/** `9999-12-31` is Citi's "no date" (§3). */
const NO_DATE = '9999-12-31';

export function balancesOf(s: AccountFields): CitiBalances {
  const dec = (field: string, v: unknown) => toDecimalOrNull(v, field);
  const due = s.paymentDueDate ?? s.nextPaymentDate ?? null;
  return {
    current: dec('currentBalance', s.currentBalance),
    available: dec('availableBalance', s.availableBalance),
    outstanding: dec('outstandingBalance', s.outstandingBalance),
    availableCredit: s.availableCredit != null ? dec('availableCredit', s.availableCredit) : dec('creditAvailableAmount', s.creditAvailableAmount),
    creditLimit: dec('creditLimit', s.creditLimit),
    minimumDue:
      s.minimumDueAmount != null
        ? dec('minimumDueAmount', s.minimumDueAmount)
        : s.paymentDueAmount != null
          ? dec('paymentDueAmount', s.paymentDueAmount)
          : dec('nextPaymentAmount', s.nextPaymentAmount),
    paymentDueDate: due === NO_DATE ? null : due,
    lastStatementBalance: dec('lastStatementBalance', s.lastStatementBalance),
    principal: dec('currentBalanceAmount', s.currentBalanceAmount),
    portfolioValue:
      s.totalPortfolioBalanceAmount != null
        ? dec('totalPortfolioBalanceAmount', s.totalPortfolioBalanceAmount)
        : dec('accountValue', s.accountValue),
  };
}

/** Brokerage `accountHoldings[]` then retirement `retirementPlanComponents[]`, in the order sent. */
export function holdingsOf(s: AccountFields): CitiHolding[] {
  const accountAsOf = s.asOfDateTime ?? null;
  const out: CitiHolding[] = [];
  s.accountHoldings.forEach((h, i) => out.push(within(`accountHoldings[${i}]`, () => holdingOf(h, 'holding', null))));
  s.retirementPlanComponents.forEach((c, i) =>
    out.push(within(`retirementPlanComponents[${i}]`, () => holdingOf(c, 'plan-component', accountAsOf))),
  );
  return out;
}

function holdingOf(input: unknown, kind: CitiHolding['kind'], fallbackAsOf: string | null): CitiHolding {
  if (!isPlainObject(input)) throw new InvalidFieldError('', 'expected an object', snippetOf(input));
  const clean = cleanJson(input) as Record<string, unknown>;
  const h = checkShape(holdingSchema, clean);
  const raw = plainJson(clean) as Record<string, unknown>;
  const symbol = h.symbol?.trim() || null;
  const cusip = h.cusip?.trim() || null;
  const name = (kind === 'plan-component' ? h.componentName : (h.description ?? h.securityDescription ?? h.securityName)) ?? null;
  const key = symbol ?? cusip ?? (h.componentName?.trim() || null) ?? `sha:${createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 32)}`;
  return {
    kind,
    key,
    symbol,
    cusip,
    name,
    quantity: toDecimalOrNull(h.quantity, 'quantity'),
    price: toDecimalOrNull(h.price, 'price'),
    value: h.totalValueAmount != null ? toDecimalOrNull(h.totalValueAmount, 'totalValueAmount') : toDecimalOrNull(h.marketValue, 'marketValue'),
    currencyCode: h.currencyCode ?? null,
    asOfDate: h.asOfDateTime ?? fallbackAsOf,
    raw,
  };
}
