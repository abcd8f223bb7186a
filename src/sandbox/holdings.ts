/**
 * Brokerage holdings and retirement plan components (US `accountHoldings[]`,
 * `retirementPlanComponents[]`, contract §3). Prices move every world day, deterministically from the
 * day and the security, so a client sees a new snapshot each day and the same one within a day.
 * All arithmetic is on integers (cents, thousandths of a unit): every value shown is exact.
 */
import { isoDay } from './dates.ts';
import type { Account, HoldingSpec } from './model.ts';
import type { Rng } from './rng.ts';

interface Security {
  symbol: string;
  cusip: string;
  name: string;
  assetClass: string;
  category: string;
  /** Price in cents on a day whose wobble is zero. */
  baseCents: number;
  /** Funds are held in fractional units. */
  fractional: boolean;
}

export const SECURITIES: readonly Security[] = [
  { symbol: 'CAIFX', cusip: '140194101', name: 'American Funds Capital Income Builder.', assetClass: 'EQUITY', category: 'Equities', baseCents: 3241, fractional: true },
  { symbol: 'AAPL', cusip: '037833100', name: 'Apple Inc.', assetClass: 'EQUITY', category: 'Equities', baseCents: 22_850, fractional: false },
  { symbol: 'MSFT', cusip: '594918104', name: 'Microsoft Corp.', assetClass: 'EQUITY', category: 'Equities', baseCents: 41_520, fractional: false },
  { symbol: 'VTI', cusip: '922908769', name: 'Vanguard Total Stock Market ETF', assetClass: 'EQUITY', category: 'Exchange Traded Funds', baseCents: 28_714, fractional: false },
  { symbol: 'BND', cusip: '921937835', name: 'Vanguard Total Bond Market ETF', assetClass: 'FIXED_INCOME', category: 'Fixed Income', baseCents: 7_302, fractional: false },
  { symbol: 'C', cusip: '172967424', name: 'Citigroup Inc.', assetClass: 'EQUITY', category: 'Equities', baseCents: 6_415, fractional: false },
  { symbol: 'VFIAX', cusip: '922908710', name: 'Vanguard 500 Index Fund Admiral', assetClass: 'EQUITY', category: 'Mutual Funds', baseCents: 52_177, fractional: true },
];

/** Three or four positions (brokerage) or one or two plan components (retirement). */
export function holdingsFor(kind: 'BROKERAGE' | 'RETIREMENT', rng: Rng, startDay: number): HoldingSpec[] {
  if (kind === 'RETIREMENT') {
    return Array.from({ length: rng.int(1, 2) }, () => ({ security: -1, quantity: rng.int(200_000, 2_500_000), since: startDay }));
  }
  const picks = rng.shuffle(SECURITIES.map((_, i) => i)).slice(0, rng.int(3, 4));
  return picks.map((security) => ({
    security,
    // Whole units for shares, three decimals for funds.
    quantity: SECURITIES[security]!.fractional ? rng.int(10_000, 900_000) : rng.int(5, 400) * 1000,
    since: startDay,
  }));
}

/** Price in cents on `day`: within ±5% of the base, a fixed function of (day, security). */
export function priceCents(security: number, day: number): number {
  const base = SECURITIES[security]!.baseCents;
  let h = Math.imul(day ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(security + 1, 0xc2b2ae35);
  h = (h ^ (h >>> 15)) >>> 0;
  return base + Math.round((base * ((h % 1001) - 500)) / 10_000);
}

const decimal = (units: number, scale: number): number => units / 10 ** scale;

/** Cents of one position on `day` (half-up rounding of quantity × price, all integers). */
function positionCents(h: HoldingSpec, day: number): number {
  return Math.round((h.quantity * priceCents(h.security, day)) / 1000);
}

/** A plan component's value: principal plus 3% a year simple interest since it started. */
function componentCents(h: HoldingSpec, day: number): number {
  return h.quantity + Math.floor((h.quantity * 3 * Math.max(0, day - h.since)) / 36_500);
}

export function accountHoldingsJson(acct: Account, day: number): Record<string, unknown>[] {
  const asOf = `${isoDay(day)}T21:00:00.000+0000`;
  return acct.holdings.map((h) => {
    const s = SECURITIES[h.security]!;
    const price = priceCents(h.security, day);
    return {
      currencyCode: 'USD',
      cusip: s.cusip,
      holdingCategory: s.category,
      quantity: decimal(h.quantity, 3),
      securityName: s.name,
      asOfDateTime: asOf,
      assetClass: s.assetClass,
      symbol: s.symbol,
      price: decimal(price, 2),
      totalValueAmount: decimal(positionCents(h, day), 2),
      previousPrice: decimal(priceCents(h.security, day - 1), 2),
    };
  });
}

export function planComponentsJson(acct: Account, day: number): Record<string, unknown>[] {
  return acct.holdings.map((h, i) => {
    const value = componentCents(h, day);
    return {
      componentName: `${i === 0 ? 'Variable CD' : 'Fixed Income Fund'}-${acct.displayNumber.slice(-4)}`,
      currencyCode: 'USD',
      currentTerms: i === 0 ? '2 years' : '5 years',
      totalValueAmount: decimal(value, 2),
      interestPaidYTD: decimal(value - h.quantity, 2),
      nextMaturityDate: isoDay(h.since + 730 * (i + 1)),
    };
  });
}

/** Cash plus every position, in cents. */
export function portfolioCents(acct: Account, day: number): number {
  return acct.balance + acct.holdings.reduce((s, h) => s + positionCents(h, day), 0);
}

export function retirementCents(acct: Account, day: number): number {
  return acct.holdings.reduce((s, h) => s + componentCents(h, day), 0);
}

/** Exact decimal text of `minor` units, always with all its decimals (`"3643150.72"`, `"12.50"`). */
export function decimalString(minor: number, decimals: number): string {
  const neg = minor < 0;
  const digits = String(Math.abs(minor)).padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return neg ? `-${text}` : text;
}
