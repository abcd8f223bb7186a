/**
 * Builds the users and their accounts (who has what, balances to start from, recurring payments).
 * The transactions themselves come from running the day-by-day simulation (simulate.ts) over the
 * history, so the generated past and a later advance() follow exactly the same rules.
 */
import { CARD_SUBSCRIPTIONS, CURRENCIES, FIRST_NAMES, LAST_NAMES, PRODUCTS, T, TEMPLATES, type Currency, type Group } from './catalog.ts';
import { addMonths } from './dates.ts';
import { holdingsFor } from './holdings.ts';
import type { Market } from './market.ts';
import { isInvestment, type Account, type Recurring } from './model.ts';
import { Rng, deriveSeed } from './rng.ts';
import type { SandboxProfile, SandboxUser } from './types.ts';

interface AccountSpec {
  group: Group;
  currency: string;
  closed?: boolean;
  empty?: boolean;
  longId?: boolean;
}

/** The first user of a 'mixed' profile has every special case, so a test with one user sees them all. */
const FIRST_USER_MIX: readonly AccountSpec[] = [
  { group: 'CHECKING', currency: 'USD' },
  { group: 'SAVINGS', currency: 'USD' },
  { group: 'CREDIT_CARD', currency: 'USD' },
  { group: 'LOANS', currency: 'USD' },
  { group: 'SAVINGS', currency: 'USD', closed: true },
  { group: 'CHECKING', currency: 'JPY' },
  { group: 'CHECKING', currency: 'BHD', longId: true },
  { group: 'SAVINGS', currency: 'USD', empty: true },
];

/** US only: the kinds the Asia-Pacific v1 API does not list (contract §3). */
const FIRST_USER_US_EXTRA: readonly AccountSpec[] = [
  { group: 'LINE_OF_CREDIT', currency: 'USD' },
  { group: 'BROKERAGE', currency: 'USD' },
  { group: 'RETIREMENT', currency: 'USD' },
];

const CYCLE: readonly Group[] = ['CHECKING', 'CREDIT_CARD', 'SAVINGS', 'LOANS'];

export const DEFAULT_TRANSACTIONS_PER_ACCOUNT = 300;

/** Accounts of one user. 'USD' in the mixes stands for the market's home currency. */
function specsFor(userIndex: number, profile: SandboxProfile, rng: Rng, market: Market): AccountSpec[] {
  const home = (specs: AccountSpec[]): AccountSpec[] => specs.map((s) => (s.currency === 'USD' ? { ...s, currency: market.currency } : s));
  const us = market.dialect === 'us-v2';
  const n = profile.accountsPerUser ?? 'mixed';
  if (typeof n === 'number') return home(Array.from({ length: n }, (_, i) => ({ group: CYCLE[i % CYCLE.length]!, currency: 'USD' })));
  if (userIndex === 0) return home(us ? [...FIRST_USER_MIX, ...FIRST_USER_US_EXTRA] : [...FIRST_USER_MIX]);
  const specs: AccountSpec[] = [{ group: 'CHECKING', currency: 'USD' }, { group: 'CREDIT_CARD', currency: 'USD' }];
  if (rng.chance(0.6)) specs.push({ group: 'SAVINGS', currency: 'USD' });
  if (rng.chance(0.3)) specs.push({ group: 'LOANS', currency: 'USD' });
  if (rng.chance(0.3)) specs.push({ group: 'CREDIT_CARD', currency: 'USD' });
  // Drawn after the draws above, so the older kinds come out as they always did for a seed.
  if (us && rng.chance(0.3)) specs.push({ group: 'BROKERAGE', currency: 'USD' });
  if (us && rng.chance(0.2)) specs.push({ group: 'RETIREMENT', currency: 'USD' });
  return home(specs);
}

const HEX = '0123456789ABCDEF';

function newAccountId(spec: AccountSpec, rng: Rng, taken: Set<string>): string {
  for (;;) {
    const id = spec.longId
      ? rng.chars(HEX.toLowerCase(), 128)
      : spec.group === 'CREDIT_CARD'
        ? `C${rng.chars('0123456789', 10)}`
        : rng.chars(HEX, 20);
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

/** Whole-dollar-ish amounts look like real salaries and rents. */
const cents = (rng: Rng, min: number, max: number, step = 100): number => Math.round(rng.int(min, max) / step) * step;

function recurringFor(group: Group, rng: Rng, startDay: number, toMinor: (c: number) => number): Recurring[] {
  const monthly = (tpl: number, amt: number, dom: number, vary = 0): Recurring => ({ tpl, amt, dom, anchor: 0, vary });
  switch (group) {
    case 'CHECKING':
      return [
        { tpl: T.payroll, amt: toMinor(cents(rng, 130_000, 250_000)), dom: 0, anchor: startDay + rng.int(0, 13), vary: 0 },
        monthly(T.rent, toMinor(cents(rng, 120_000, 280_000, 500)), 1),
        monthly(T.utilityAutopay, toMinor(rng.int(6_000, 14_000)), rng.int(10, 20), 0.3),
        monthly(T.phone, toMinor(rng.int(5_500, 9_500)), rng.int(5, 25)),
        monthly(T.toSavings, toMinor(cents(rng, 20_000, 100_000, 5000)), 3),
        monthly(T.cardAutopay, toMinor(rng.int(30_000, 120_000)), 22, 0.5),
      ];
    case 'SAVINGS':
      return [monthly(T.fromChecking, toMinor(cents(rng, 20_000, 100_000, 5000)), 3), monthly(T.savingsInterest, 0, 28)];
    case 'CREDIT_CARD': {
      const subs = rng.shuffle(CARD_SUBSCRIPTIONS).slice(0, rng.int(2, 4));
      const out = subs.map((tpl) => monthly(tpl, toMinor(TEMPLATES[tpl]!.min), rng.int(1, 28)));
      if (rng.chance(0.4)) out.push(monthly(T.conEdison, toMinor(rng.int(6_000, 14_000)), rng.int(1, 28), 0.3));
      return out;
    }
    case 'LOANS':
    case 'LINE_OF_CREDIT':
      return [monthly(T.loanPayment, 0, 5), monthly(T.loanInterest, 0, 28)];
    case 'BROKERAGE':
    case 'RETIREMENT':
      return [];
  }
}

function openingBalance(group: Group, rng: Rng, toMinor: (c: number) => number): number {
  switch (group) {
    case 'CHECKING': return toMinor(rng.int(150_000, 800_000));
    case 'SAVINGS': return toMinor(rng.int(500_000, 3_000_000));
    case 'CREDIT_CARD': return toMinor(rng.int(0, 50_000));
    case 'LOANS': return toMinor(rng.chance(0.3) ? cents(rng, 15_000_000, 45_000_000, 100_000) : cents(rng, 800_000, 3_500_000, 10_000));
    case 'LINE_OF_CREDIT': return toMinor(cents(rng, 50_000, 600_000, 100));
    // Brokerage: the cash part of the portfolio; retirement: none (its value is its plan components).
    case 'BROKERAGE': return toMinor(rng.int(10_000, 2_000_000));
    case 'RETIREMENT': return 0;
  }
}

export interface Population {
  users: SandboxUser[];
  accounts: Account[];
  startDay: number;
  /** Asia-Pacific insurance policies per user: listed by GET /v1/accounts, never synced (contract §3). */
  insurance: Map<string, Record<string, unknown>[]>;
}

function insurancePolicy(market: Market, rng: Rng): Record<string, unknown> {
  return {
    productName: 'ZURICH FLYAWAY ANNUAL TRAVEL INSURANCE',
    productCode: 'ZAT1',
    displayAccountNumber: rng.chars('0123456789', 4),
    accountId: `ins_${rng.chars('0123456789', 8)}`,
    currencyCode: market.currency,
    accountClassification: 'ASSET',
    accountStatus: 'ACTIVE',
    displayPolicyNumber: `B${rng.chars('0123456789', 9)}`,
    totalPremiumPaidAmount: 0,
  };
}

export function buildPopulation(seed: number, profile: SandboxProfile, today: number, market: Market): Population {
  const historyMonths = profile.historyMonths ?? market.historyMonths;
  const startDay = addMonths(today, -historyMonths);
  const historyDays = Math.max(1, today - startDay);
  const users: SandboxUser[] = [];
  const accounts: Account[] = [];
  const taken = new Set<string>();
  const insurance = new Map<string, Record<string, unknown>[]>();
  for (let u = 0; u < profile.users; u++) {
    const rng = new Rng(deriveSeed(seed, 1, u));
    const userId = `user-${u + 1}`;
    const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    const user: SandboxUser = { userId, name, accountIds: [] };
    for (const spec of specsFor(u, profile, rng, market)) {
      const index = accounts.length;
      const arng = new Rng(deriveSeed(seed, 2, index));
      const currency: Currency = CURRENCIES[spec.currency]!;
      const toMinor = (c: number): number => Math.max(1, Math.round(c * currency.perCent));
      const product = arng.pick(PRODUCTS[spec.group]);
      const investment = isInvestment(spec.group);
      const recurring = spec.empty ? [] : recurringFor(spec.group, arng, startDay, toMinor);
      const target = spec.empty || investment ? 0 : (profile.transactionsPerAccount ?? Math.round(DEFAULT_TRANSACTIONS_PER_ACCOUNT * (0.5 + arng.float())));
      const recurringPerDay = recurring.reduce((s, r) => s + (r.dom === 0 ? 1 / 14 : 12 / 365), 0) + (spec.group === 'CREDIT_CARD' ? 12 / 365 : 0);
      // ~5% of pendings vanish, so aim a little high to land near the requested count.
      const rate = target === 0 ? 0 : Math.max(0.02, (target / historyDays) * 1.03 - recurringPerDay);
      const balance = spec.empty ? 0 : openingBalance(spec.group, arng, toMinor);
      const closeDay = spec.closed ? today - 120 : Number.POSITIVE_INFINITY;
      const openDay = spec.empty ? today - 20 : startDay;
      const twinDay = !spec.empty && !investment && (spec.group === 'CREDIT_CARD' || spec.group === 'CHECKING') && today - 10 < closeDay - 5 ? today - 10 : -1;
      const acct: Account = {
        index,
        accountId: newAccountId(spec, arng, taken),
        userId,
        group: spec.group,
        currency,
        status: spec.closed ? 'CLOSED' : 'ACTIVE',
        productName: product.name,
        productCode: product.code,
        nickname: product.nickname,
        displayNumber: `${spec.group === 'CREDIT_CARD' ? 'XXXXXXXXXXXX' : 'XXXXXX'}${arng.chars('0123456789', 4)}`,
        idPrefix: `05${String(index).padStart(6, '0')}`,
        creditLimit: spec.group === 'CREDIT_CARD' || spec.group === 'LINE_OF_CREDIT' ? toMinor(cents(arng, 300_000, 2_500_000, 50_000)) : 0,
        openingBalance: balance,
        balance,
        rows: [],
        pendings: [],
        nextSeq: 1,
        statements: [],
        stmtDay: arng.int(1, 28),
        openDay,
        closeDay,
        rate,
        recurring,
        scheduled: [],
        corrections: [],
        twinDay,
        rng: arng,
        shape: 'normal',
        override: null,
        holdings: spec.group === 'BROKERAGE' || spec.group === 'RETIREMENT' ? holdingsFor(spec.group, arng, startDay) : [],
      };
      accounts.push(acct);
      user.accountIds.push(acct.accountId);
    }
    if (u === 0 && market.dialect === 'apac-v1' && (profile.accountsPerUser ?? 'mixed') === 'mixed') insurance.set(userId, [insurancePolicy(market, rng)]);
    users.push(user);
  }
  // Customers who consented but hold no accounts: the API answers 400 noAccounts (contract §2).
  for (let k = 0; k < (profile.usersWithoutAccounts ?? 0); k++) {
    users.push({ userId: `user-${profile.users + k + 1}`, name: `No Accounts ${k + 1}`, accountIds: [] });
  }
  return { users, accounts, startDay, insurance };
}
