/**
 * Resource routes (contract §3-§5): accounts, transactions, statements. Called after headers, rate
 * limit, faults and the bearer token were checked; `grant` is the caller's consent.
 */
import { badRequest, citiError, json, type Reply } from './http.ts';
import { windowRange, type Row } from './ledger.ts';
import type { Account } from './model.ts';
import type { Grant } from './oauth.ts';
import { nextIndex, parseRequestSize, parseStart, parseStatus, parseWindow, type Parsed } from './paging.ts';
import { accountSummary, lastStatementDay, rowJson, statementRows, statementSummary, TRANSACTIONS_KEY } from './serialize.ts';
import { isoDay } from './dates.ts';
import type { StatsRecorder } from './stats.ts';
import type { World } from './world.ts';

/** Accounts come 5 to a page, so a client must merge account groups across pages. */
export const ACCOUNTS_PAGE_SIZE = 5;

export interface ResourceContext {
  world: World;
  grant: Grant;
  params: URLSearchParams;
  pageSize: number;
  stats: StatsRecorder;
  mutateDuringPagination: boolean;
}

const invalid = (p: Parsed<unknown> & { ok: false }): Reply => badRequest(p.details, p.location);

const notFound = (what: string): Reply => citiError(404, 'resourceNotFound', `${what} not found for this customer`);

function ownedAccount(ctx: ResourceContext, accountId: string): Account | undefined {
  const acct = ctx.world.account(accountId);
  return acct && acct.userId === ctx.grant.userId ? acct : undefined;
}

export function listAccounts(ctx: ResourceContext): Reply {
  const start = parseStart(ctx.params);
  if (!start.ok) return invalid(start);
  const all = ctx.world.accountsOf(ctx.grant.userId);
  const page = all.slice(start.value.offset, start.value.offset + ACCOUNTS_PAGE_SIZE);
  const groups = new Map<string, Account[]>();
  for (const a of page) groups.set(a.group, [...(groups.get(a.group) ?? []), a]);
  const accountGroupSummary = [...groups].map(([group, accounts]) => {
    const out: Record<string, unknown> = { accountGroup: group, accounts: accounts.map(accountSummary) };
    const currencies = new Set(accounts.map((a) => a.currency.code));
    if (currencies.size === 1) {
      const minor = accounts.reduce((s, a) => s + a.balance, 0);
      out.totalCurrentBalance = { localCurrencyCode: accounts[0]!.currency.code, localCurrencyBalanceAmount: minor / 10 ** accounts[0]!.currency.decimals };
    }
    return out;
  });
  return json(200, { accountGroupSummary, nextStartIndex: nextIndex(start.value.offset, page.length, all.length) });
}

/** The rows of a window, newest first, from `offset`: O(log n + page) for ALL; a bounded scan for a status filter. */
function pageRows(acct: Account, from: number, to: number, status: string, offset: number, size: number): { rows: Row[]; total: number } {
  const rows = acct.rows;
  const [lo, hi] = windowRange(rows, from, to);
  if (status === 'ALL') {
    const total = hi - lo;
    const out: Row[] = [];
    for (let k = offset; k < Math.min(total, offset + size); k++) out.push(rows[hi - 1 - k]!);
    return { rows: out, total };
  }
  const wantPending = status === 'PENDING';
  const out: Row[] = [];
  let seen = 0;
  for (let i = hi - 1; i >= lo; i--) {
    const r = rows[i]!;
    if (r.post < 0 !== wantPending) continue;
    if (seen >= offset && out.length < size) out.push(r);
    seen++;
  }
  return { rows: out, total: seen };
}

export function listTransactions(ctx: ResourceContext, accountId: string): Reply {
  const acct = ownedAccount(ctx, accountId);
  if (!acct) return notFound('account');
  const override = acct.override;
  if (override) {
    if (--override.times <= 0) acct.override = null;
    return { status: override.status, body: override.body, contentType: override.contentType };
  }
  const win = parseWindow(ctx.params, acct.group === 'CREDIT_CARD');
  if (!win.ok) return invalid(win);
  const status = parseStatus(ctx.params);
  if (!status.ok) return invalid(status);
  const start = parseStart(ctx.params);
  if (!start.ok) return invalid(start);
  const size = parseRequestSize(ctx.params, ctx.pageSize);
  if (!size.ok) return invalid(size);
  const single = acct.shape === 'singleObject';
  if (ctx.mutateDuringPagination && start.value.continued) ctx.world.injectPending(acct, win.value.to);
  const { rows, total } = pageRows(acct, win.value.from, win.value.to, status.value, start.value.offset, single ? 1 : size.value);
  const billedUpTo = lastStatementDay(acct);
  const items = rows.map((r) => rowJson(acct, r, billedUpTo));
  ctx.stats.current.pagesServed++;
  ctx.stats.current.rowsServed += items.length;
  // §6: Citi's v2 example puts one object, not a one-element array, under the key.
  const list = single && items.length === 1 ? items[0] : items;
  return json(200, { [TRANSACTIONS_KEY[acct.group]]: list, nextStartIndex: nextIndex(start.value.offset, rows.length, total) });
}

export function listStatements(ctx: ResourceContext, accountId: string): Reply {
  const acct = ownedAccount(ctx, accountId);
  if (!acct) return notFound('account');
  const start = parseStart(ctx.params);
  if (!start.ok) return invalid(start);
  const all = [...acct.statements].reverse();
  const page = all.slice(start.value.offset, start.value.offset + ctx.pageSize);
  return json(200, {
    statementList: page.map((s) => ({ statementId: s.id, statementDate: isoDay(s.day) })),
    nextStartIndex: nextIndex(start.value.offset, page.length, all.length),
  });
}

export function getStatement(ctx: ResourceContext, accountId: string, statementId: string): Reply {
  const acct = ownedAccount(ctx, accountId);
  if (!acct) return notFound('account');
  const st = acct.statements.find((s) => s.id === statementId);
  if (!st) return notFound('statement');
  const start = parseStart(ctx.params);
  if (!start.ok) return invalid(start);
  const size = parseRequestSize(ctx.params, ctx.pageSize);
  if (!size.ok) return invalid(size);
  const rows = statementRows(acct, st);
  const page = rows.slice(start.value.offset, start.value.offset + size.value);
  ctx.stats.current.pagesServed++;
  ctx.stats.current.rowsServed += page.length;
  return json(200, {
    creditCardStatement: {
      displayAccountNumber: acct.displayNumber,
      statementDate: isoDay(st.day),
      statementSummary: statementSummary(acct, st),
      // Every row on a statement is billed, whatever the account's shape says about newer rows.
      transactions: page.map((r) => rowJson(acct, r, Number.POSITIVE_INFINITY)),
      nextStartIndex: nextIndex(start.value.offset, page.length, rows.length),
    },
  });
}
