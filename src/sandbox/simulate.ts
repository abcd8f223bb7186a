/**
 * One simulated day for one account: pendings post or vanish, recurring and random transactions
 * happen, card statements are issued, rare corrections land. The initial history is produced by
 * running this from the history start to today, and advance() keeps running it, so both obey the
 * same rules (contract §4 lifecycle).
 */
import { RANDOM_POOLS, T, TEMPLATES } from './catalog.ts';
import { statementIdOf } from './dates.ts';
import { FLAG_CORRECTED, FLAG_DROP_AUTH, FLAG_EXTRA_FIELD, FLAG_VANISH, insertRow, lowerBound, removeRow, type Row } from './ledger.ts';
import { isLiability, isLoanLike, type Account } from './model.ts';

export interface DayContext {
  day: number;
  /** Day of month, 1..31. */
  dom: number;
}

/** How a posted row moves the account balance (deposits hold money; cards and loans count what is owed). */
export function balanceEffect(acct: Account, tpl: number, amt: number): number {
  const credit = TEMPLATES[tpl]!.credit;
  if (isLiability(acct.group)) return credit ? -amt : amt;
  return credit ? amt : -amt;
}

const AUTH_SPACE = 36 ** 5;
/** Upper bound on how long a posted row stays correctable (contract: corrections within 30 days). */
const CORRECTION_WINDOW = 29;
/** Pendings post 1-3 days after the authorisation (and so never lag their date by more than this). */
export const MAX_PENDING_DAYS = 3;

function toMinor(acct: Account, cents: number): number {
  return Math.max(1, Math.round(cents * acct.currency.perCent));
}

function newRow(acct: Account, day: number, tpl: number, amt: number, post: number, flags: number, auth: number): Row {
    // `| 0` keeps every field a small integer (Smi): one computed double would make V8 box that field
  // in every row, nearly doubling memory at a million rows.
  return { seq: acct.nextSeq++ | 0, day: day | 0, post: post | 0, amt: amt | 0, tpl: tpl | 0, auth: auth | 0, bal: 0, flags: flags | 0, due: -1 };
}

function applyPosted(acct: Account, row: Row, today: number): void {
  acct.balance += balanceEffect(acct, row.tpl, row.amt);
  // Running balance in posting order: rows posting later never rewrite an earlier row's value.
  if (!isLiability(acct.group)) row.bal = Math.abs(acct.balance) < 2 ** 31 ? acct.balance | 0 : acct.balance;
  // Rare in-place correction (about 1 in 200 posted rows), decided now so it is deterministic.
  if (acct.rng.chance(1 / 200)) acct.corrections.push({ day: today + acct.rng.int(1, CORRECTION_WINDOW), row });
  insertRow(acct.rows, row);
}

function extraFlag(acct: Account): number {
  return acct.rng.chance(acct.group === 'CREDIT_CARD' ? 0.3 : 0.05) ? FLAG_EXTRA_FIELD : 0;
}

/** A pending authorisation; it posts (as a new row) or vanishes on its due day. */
export function addPending(acct: Account, day: number, tpl: number, amt: number, opts: { due?: number; flags?: number } = {}): Row {
  const rng = acct.rng;
  const flags = opts.flags ?? (extraFlag(acct) | (rng.chance(0.05) ? FLAG_VANISH : 0) | (rng.chance(0.1) ? FLAG_DROP_AUTH : 0));
  const row = newRow(acct, day, tpl, amt, -1, flags, rng.int(1, AUTH_SPACE - 1));
  row.due = (opts.due ?? day + rng.int(1, MAX_PENDING_DAYS)) | 0;
  acct.pendings.push(row);
  insertRow(acct.rows, row);
  return row;
}

function addEvent(acct: Account, day: number, tpl: number, amt: number): void {
  const t = TEMPLATES[tpl]!;
  if (t.pending) {
    addPending(acct, day, tpl, amt);
    return;
  }
  const auth = acct.group === 'CREDIT_CARD' && t.type === 'CREDIT' ? acct.rng.int(1, AUTH_SPACE - 1) : 0;
  applyPosted(acct, newRow(acct, day, tpl, amt, day, extraFlag(acct), auth), day);
}

function postDuePendings(acct: Account, day: number): void {
  if (acct.pendings.length === 0) return;
  const keep: Row[] = [];
  for (const p of acct.pendings) {
    if (p.due > day) {
      keep.push(p);
      continue;
    }
    removeRow(acct.rows, p);
    if (p.flags & FLAG_VANISH) continue; // an expired authorisation: gone without posting
    const t = TEMPLATES[p.tpl]!;
    const amt = t.tip ? Math.round(p.amt * (1 + acct.rng.int(15, 22) / 100)) : p.amt;
    const auth = p.flags & FLAG_DROP_AUTH ? 0 : p.auth;
    applyPosted(acct, newRow(acct, p.day, p.tpl, amt, day, p.flags & FLAG_EXTRA_FIELD, auth), day);
  }
  acct.pendings = keep;
}

function applyCorrections(acct: Account, day: number): void {
  if (acct.corrections.length === 0) return;
  const lastStatement = acct.statements[acct.statements.length - 1];
  acct.corrections = acct.corrections.filter((c) => {
    if (c.day > day) return true;
    // Billed rows stay as billed, so issued statements never change.
    if (lastStatement && c.row.post <= lastStatement.day) return false;
    const old = c.row.amt;
    const delta = Math.max(1, Math.round(old * acct.rng.int(1, 10) / 100));
    c.row.amt = (acct.rng.chance(0.5) || old - delta < 1 ? old + delta : old - delta) | 0;
    c.row.flags |= FLAG_CORRECTED;
    acct.balance += balanceEffect(acct, c.row.tpl, c.row.amt) - balanceEffect(acct, c.row.tpl, old);
    return false;
  });
}

function recurringAmount(acct: Account, tpl: number, amt: number, vary: number): number {
  if (tpl === T.savingsInterest) return Math.max(1, Math.round(acct.balance * 0.0035));
  if (tpl === T.loanInterest) return Math.max(1, Math.round(acct.balance * 0.065 / 12));
  if (tpl === T.loanPayment) return Math.max(1, Math.round(acct.openingBalance / 60));
  if (vary === 0) return amt;
  return Math.max(1, Math.round(amt * (1 + (acct.rng.float() * 2 - 1) * vary)));
}

function randomEvent(acct: Account, day: number): void {
  let tpl = acct.rng.pick(RANDOM_POOLS[acct.group]);
  let t = TEMPLATES[tpl]!;
  // Keep balances plausible over long histories: an overdrawn account gets money in instead, and
  // a paid-off loan takes no more payments.
  if (acct.group === 'CHECKING' && !t.credit && acct.balance < 0) {
    tpl = T.mobileDeposit;
    t = TEMPLATES[tpl]!;
  }
  if (acct.group === 'SAVINGS' && !t.credit && acct.balance < 0) {
    tpl = T.fromChecking;
    t = TEMPLATES[tpl]!;
  }
  let amt = t.max === 0 ? recurringAmount(acct, tpl, 0, 0) : toMinor(acct, acct.rng.int(t.min, t.max));
  if (isLoanLike(acct.group) && t.credit) {
    if (acct.balance <= 0) return;
    amt = Math.min(amt, acct.balance);
  }
  // A line of credit cannot be drawn past its limit.
  if (acct.group === 'LINE_OF_CREDIT' && !t.credit && t.type === 'CASH_ADVANCE' && acct.balance + amt > acct.creditLimit) return;
  addEvent(acct, day, tpl, amt);
}

function issueStatement(acct: Account, day: number): void {
  const prev = acct.statements[acct.statements.length - 1];
  const from = prev ? prev.day + 1 : acct.openDay;
  let debit = 0;
  let credit = 0;
  const rows = acct.rows;
  for (let i = lowerBound(rows, from - MAX_PENDING_DAYS); i < rows.length; i++) {
    const r = rows[i]!;
    if (r.post < from || r.post > day) continue;
    if (TEMPLATES[r.tpl]!.credit) credit += r.amt;
    else debit += r.amt;
  }
  const begin = prev ? prev.outstanding : acct.openingBalance;
  const outstanding = begin + debit - credit;
  const floor = toMinor(acct, 2500);
  const minDue = outstanding <= 0 ? 0 : Math.min(outstanding, Math.max(floor, Math.round(outstanding * 0.02)));
  acct.statements.push({ id: statementIdOf(day), day, from, begin, debit, credit, outstanding, minDue, dueDay: day + 25 });
  // Most customers pay in full a few days before the due date; some pay only part.
  if (outstanding > 0) {
    const amt = acct.rng.chance(0.8) ? outstanding : Math.max(minDue, Math.round(outstanding * acct.rng.int(20, 80) / 100));
    acct.scheduled.push({ day: day + 20, tpl: T.cardPayment, amt });
  }
}

function closeOut(acct: Account, day: number): void {
  if (acct.balance === 0) return;
  const owedOrHeld = acct.balance;
  // Moves whatever is left so the closed account ends at zero.
  const tpl = isLiability(acct.group) === owedOrHeld > 0 ? T.closeIn : T.closeOut;
  applyPosted(acct, newRow(acct, day, tpl, Math.abs(owedOrHeld), day, 0, 0), day);
}

export function stepAccount(acct: Account, ctx: DayContext): void {
  const { day, dom } = ctx;
  if (day < acct.openDay) return;
  postDuePendings(acct, day);
  applyCorrections(acct, day);
  if (day >= acct.closeDay) {
    if (day === acct.closeDay) closeOut(acct, day);
    return;
  }
  // No new authorisations in the last days before closing, so nothing is left pending at the close.
  const active = day < acct.closeDay - 5;
  if (active) {
    if (acct.scheduled.length > 0) {
      acct.scheduled = acct.scheduled.filter((s) => {
        if (s.day > day) return true;
        addEvent(acct, day, s.tpl, s.amt);
        return false;
      });
    }
    for (const r of acct.recurring) {
      const due = r.dom === 0 ? (day - r.anchor) % 14 === 0 : r.dom === dom;
      if (!due) continue;
      let amt = recurringAmount(acct, r.tpl, r.amt, r.vary);
      if (isLoanLike(acct.group) && TEMPLATES[r.tpl]!.credit) amt = Math.min(amt, acct.balance);
      if (amt > 0) addEvent(acct, day, r.tpl, amt);
    }
    for (let n = acct.rng.poisson(acct.rate); n > 0; n--) randomEvent(acct, day);
    if (day === acct.twinDay) {
      // Two identical purchases the same day, posting together without auth codes: under the 'noIds'
      // shape they are byte-identical rows, which only an ordinal in the synthetic key keeps apart.
      const amt = toMinor(acct, 575);
      for (let k = 0; k < 2; k++) addPending(acct, day, 8, amt, { due: day + 1, flags: FLAG_DROP_AUTH });
    }
  }
  if (acct.group === 'CREDIT_CARD' && dom === acct.stmtDay && day > acct.openDay) issueStatement(acct, day);
}
