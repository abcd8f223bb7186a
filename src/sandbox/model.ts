/**
 * The world's internal state types. Amounts are integers in the account currency's minor units;
 * days are day numbers (see dates.ts). Public shapes (what tests and the API see) live in types.ts.
 */
import type { Currency, Group } from './catalog.ts';
import type { Row } from './ledger.ts';
import type { Rng } from './rng.ts';

export type AccountShape = 'noIds' | 'billedStatus' | 'singleObject' | 'normal';

export interface AccountOverride {
  status: number;
  body: string;
  contentType: string;
  /** How many more responses use it; Infinity = until cleared. */
  times: number;
}

/** A monthly card statement, frozen when issued (contract §5: statements are immutable). */
export interface Statement {
  id: string;
  day: number;
  /** First posting day it covers. */
  from: number;
  begin: number;
  debit: number;
  credit: number;
  outstanding: number;
  minDue: number;
  dueDay: number;
}

/** Something that happens every month on `dom`, or every 14 days from `anchor` when dom is 0. */
export interface Recurring {
  tpl: number;
  /** Minor units; 0 = computed on the day (interest from the balance). */
  amt: number;
  dom: number;
  anchor: number;
  /** Relative variation of the amount, e.g. 0.3 for a utility bill; 0 for a subscription. */
  vary: number;
}

export interface Account {
  index: number;
  accountId: string;
  userId: string;
  group: Group;
  currency: Currency;
  status: 'ACTIVE' | 'CLOSED';
  productName: string;
  productCode: string;
  nickname: string;
  displayNumber: string;
  /** Digits that make this account's transaction ids unique. */
  idPrefix: string;
  creditLimit: number;
  openingBalance: number;
  /** Deposits: money held. Cards and loans: amount owed. */
  balance: number;
  rows: Row[];
  pendings: Row[];
  nextSeq: number;
  statements: Statement[];
  /** Card statement day of month (1..28). */
  stmtDay: number;
  openDay: number;
  /** No activity from this day on (Infinity while open). */
  closeDay: number;
  /** Mean number of random (non-recurring) events per day. */
  rate: number;
  recurring: Recurring[];
  scheduled: Array<{ day: number; tpl: number; amt: number }>;
  corrections: Array<{ day: number; row: Row }>;
  /** Day on which two identical purchases happen (contract §6: synthetic keys must keep them apart); -1 = none. */
  twinDay: number;
  rng: Rng;
  shape: AccountShape;
  override: AccountOverride | null;
  /** Brokerage positions or retirement plan components (empty for other kinds). */
  holdings: HoldingSpec[];
}

/** One brokerage position (`security` set) or retirement plan component (`security` -1). */
export interface HoldingSpec {
  /** Index into SECURITIES; -1 for a plan component. */
  security: number;
  /** Positions: thousandths of a unit. Components: the principal in minor units. */
  quantity: number;
  /** Components: the day it started earning; positions: unused. */
  since: number;
}

export const isLiability = (group: Group): boolean => group === 'CREDIT_CARD' || group === 'LOANS' || group === 'LINE_OF_CREDIT';

/** Loans and lines of credit: a principal that monthly payments pay down. */
export const isLoanLike = (group: Group): boolean => group === 'LOANS' || group === 'LINE_OF_CREDIT';

/** Investment accounts: valued from holdings, no transactions. */
export const isInvestment = (group: Group): boolean => group === 'BROKERAGE' || group === 'RETIREMENT';
