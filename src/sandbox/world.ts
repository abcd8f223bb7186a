/**
 * The simulated bank: users, accounts, transactions and the world clock. Built by running the daily
 * simulation over the whole history, then moved on by advance(). Knows nothing about HTTP.
 */
import { RANDOM_POOLS, TEMPLATES } from './catalog.ts';
import { dayOfMonth, isoDay } from './dates.ts';
import { buildPopulation } from './data.ts';
import { FLAG_VANISH, type Row } from './ledger.ts';
import type { Market } from './market.ts';
import type { Account } from './model.ts';
import { addPending, MAX_PENDING_DAYS, stepAccount } from './simulate.ts';
import type { SandboxProfile, SandboxUser } from './types.ts';

/** Ten years: more than any test or benchmark moves the clock by. */
export const MAX_ADVANCE_DAYS = 3660;

export class World {
  readonly users: SandboxUser[];
  readonly accounts: Account[];
  readonly startDay: number;
  private readonly byId = new Map<string, Account>();
  private readonly byUser = new Map<string, Account[]>();
  private readonly insurance: Map<string, Record<string, unknown>[]>;
  private day: number;

  constructor(seed: number, today: number, profile: SandboxProfile, market: Market) {
    const pop = buildPopulation(seed, profile, today, market);
    this.users = pop.users;
    this.insurance = pop.insurance;
    this.accounts = pop.accounts;
    this.startDay = pop.startDay;
    for (const a of this.accounts) {
      this.byId.set(a.accountId, a);
      const list = this.byUser.get(a.userId) ?? [];
      list.push(a);
      this.byUser.set(a.userId, list);
    }
    this.day = pop.startDay - 1;
    this.runUntil(today);
  }

  get today(): number {
    return this.day;
  }

  /**
   * The world moves on `days` days (whole days; 0 is a no-op; at most MAX_ADVANCE_DAYS at once: a
   * million, sent to the admin API by any local process, blocked the server for half a minute).
   */
  advance(days: number): void {
    if (!Number.isInteger(days) || days < 0 || days > MAX_ADVANCE_DAYS) {
      throw new RangeError(`advance(days) needs a whole number from 0 to ${MAX_ADVANCE_DAYS}, got ${days}`);
    }
    this.runUntil(this.day + days);
  }

  private runUntil(last: number): void {
    for (let d = this.day + 1; d <= last; d++) {
      const ctx = { day: d, dom: dayOfMonth(d) };
      for (const a of this.accounts) stepAccount(a, ctx);
      this.day = d;
    }
  }

  account(accountId: string): Account | undefined {
    return this.byId.get(accountId);
  }

  accountsOf(userId: string): Account[] {
    return this.byUser.get(userId) ?? [];
  }

  /** Asia-Pacific insurance policies: listed, not accounts (no transactions, not in accountIds). */
  insuranceOf(userId: string): Record<string, unknown>[] {
    return this.insurance.get(userId) ?? [];
  }

  hasUser(userId: string): boolean {
    return this.byUser.has(userId) || this.users.some((u) => u.userId === userId);
  }

  /**
   * The mutateDuringPagination fault: a new pending row at the head (newest end) of the window being
   * paged, so every later offset shifts by one. Rows dated more than a few days back cannot really be
   * pending, so those expire at the next advance instead of posting (keeping statements consistent);
   * so do rows injected into a closed account, whose balance must stay at zero.
   * Only windows reaching the last few days are mutated: new activity is recent, history does not
   * grow in the past, and a client's lookback window is what must catch the rows a pass missed.
   */
  injectPending(acct: Account, windowTo: number): Row | undefined {
    if (windowTo < this.day - MAX_PENDING_DAYS) return undefined;
    const day = Math.min(windowTo, this.day);
    const tpl = acct.rng.pick(RANDOM_POOLS.CREDIT_CARD.filter((t) => TEMPLATES[t]!.pending));
    const t = TEMPLATES[tpl]!;
    const amt = Math.max(1, Math.round(acct.rng.int(t.min, t.max) * acct.currency.perCent));
    const stale = day < this.day - MAX_PENDING_DAYS || acct.status === 'CLOSED';
    return addPending(acct, day, tpl, amt, stale ? { due: this.day + 1, flags: FLAG_VANISH } : {});
  }

  isoToday(): string {
    return isoDay(this.day);
  }
}
