/**
 * The Asia-Pacific v1 dialect (contract §3-§5, SG, HK, AU, IN, ...): `GET /v1/accounts` paged, with
 * `accountGroupSummary[].accounts[].{type}AccountSummary` and an INSURANCE group of policies;
 * transactions paged by `nextStartIndex`, the array keyed per market; card statements.
 */
import type { Group } from './catalog.ts';
import { isoDay } from './dates.ts';
import { json, type Reply } from './http.ts';
import type { Market } from './market.ts';
import { isLiability, type Account } from './model.ts';
import { nextIndex, parseRequestSize, parseStart, parseStatus } from './paging.ts';
import { cannedResponse, invalid, noAccounts, notFound, ownedAccount, pageRows, windowOf, type ResourceContext } from './resources.ts';
import { balances, lastStatementDay, money, nextLoanPayment, rowJson } from './serialize.ts';

/** Accounts come 5 to a page, so a client must merge account groups across pages. */
export const ACCOUNTS_PAGE_SIZE = 5;

const SUMMARY_KEY: Readonly<Partial<Record<Group, string>>> = {
  CHECKING: 'checkingAccountSummary',
  SAVINGS: 'savingsAccountSummary',
  CREDIT_CARD: 'creditCardAccountSummary',
  LOANS: 'loanAccountSummary',
};

/** Hong Kong lists savings under SAVINGS_AND_INVESTMENTS [weak: the HK mock]. */
export function apacGroupName(group: Group, market: Market): string {
  return group === 'SAVINGS' && market.country === 'HK' ? 'SAVINGS_AND_INVESTMENTS' : group;
}

/** "None" in Asia-Pacific date fields [weak: the HK mock's nextPaymentDate]. */
const NO_DATE = '9999-12-31';

export function apacAccountSummary(acct: Account, today: number, market: Market): Record<string, unknown> {
  const b = balances(acct);
  const s: Record<string, unknown> = {
    productName: acct.productName,
    productCode: acct.productCode,
    // Hong Kong uses the seed field list's spelling; Citi's documents spell it accountNickname (contract §3).
    [market.country === 'HK' ? 'accountNickName' : 'accountNickname']: acct.nickname,
    displayAccountNumber: acct.displayNumber,
    accountId: acct.accountId,
    currencyCode: acct.currency.code,
    accountStatus: acct.status,
    accountClassification: isLiability(acct.group) ? 'LIABILITY' : 'ASSET',
  };
  if (acct.group === 'CREDIT_CARD') {
    // Cards and loans show what is owed as outstandingBalance, never currentBalance (contract §3).
    const last = acct.statements[acct.statements.length - 1];
    s.outstandingBalance = b.current;
    s.availableCredit = b.available;
    s.creditLimit = money(acct, acct.creditLimit);
    if (last) {
      s.minimumDueAmount = money(acct, last.minDue);
      s.paymentDueDate = isoDay(last.dueDay);
    }
  } else if (acct.group === 'LOANS') {
    const next = nextLoanPayment(acct, today);
    s.originalPrincipalAmount = money(acct, acct.openingBalance);
    s.outstandingBalance = b.current;
    s.nextPaymentAmount = next?.amount ?? 0;
    s.nextPaymentDate = next ? isoDay(next.day) : NO_DATE;
    s.interestRate = 6.5;
  } else {
    s.currentBalance = b.current;
    if (b.available !== null) s.availableBalance = b.available;
  }
  return { [SUMMARY_KEY[acct.group] ?? `${acct.group.toLowerCase()}AccountSummary`]: s };
}

export function listAccountsV1(ctx: ResourceContext): Reply {
  const start = parseStart(ctx.params);
  if (!start.ok) return invalid(start);
  const all = ctx.world.accountsOf(ctx.grant.userId);
  const policies = ctx.world.insuranceOf(ctx.grant.userId);
  if (all.length === 0 && policies.length === 0) return noAccounts();
  const page = all.slice(start.value.offset, start.value.offset + ACCOUNTS_PAGE_SIZE);
  const groups = new Map<string, Account[]>();
  for (const a of page) {
    const name = apacGroupName(a.group, ctx.market);
    groups.set(name, [...(groups.get(name) ?? []), a]);
  }
  const accountGroupSummary: Record<string, unknown>[] = [...groups].map(([group, accounts]) => {
    const out: Record<string, unknown> = { accountGroup: group, accounts: accounts.map((a) => apacAccountSummary(a, ctx.world.today, ctx.market)) };
    const currencies = new Set(accounts.map((a) => a.currency.code));
    if (currencies.size === 1) {
      const minor = accounts.reduce((s, a) => s + a.balance, 0);
      const total = { localCurrencyCode: accounts[0]!.currency.code, localCurrencyBalanceAmount: minor / 10 ** accounts[0]!.currency.decimals };
      out[isLiability(accounts[0]!.group) ? 'totalOutstandingBalance' : 'totalCurrentBalance'] = total;
    }
    return out;
  });
  const next = nextIndex(start.value.offset, page.length, all.length);
  // Insurance comes with the last page: policies, not accounts (contract §3: listed, never synced).
  if (next === '' && policies.length > 0) accountGroupSummary.push({ accountGroup: 'INSURANCE', insurancePolicies: policies });
  return json(200, { accountGroupSummary, nextStartIndex: next });
}

export function listTransactionsV1(ctx: ResourceContext, accountId: string): Reply {
  const acct = ownedAccount(ctx, accountId);
  if (!acct) return notFound('account');
  const canned = cannedResponse(acct);
  if (canned) return canned;
  const win = windowOf(ctx, acct);
  if ('status' in win) return win;
  const status = parseStatus(ctx.params);
  if (!status.ok) return invalid(status);
  const start = parseStart(ctx.params);
  if (!start.ok) return invalid(start);
  const size = parseRequestSize(ctx.params, ctx.pageSize);
  if (!size.ok) return invalid(size);
  const single = acct.shape === 'singleObject';
  if (ctx.mutateDuringPagination && start.value.continued) ctx.world.injectPending(acct, win.to);
  const { rows, total } = pageRows(acct, win.from, win.to, status.value, start.value.offset, single ? 1 : size.value);
  const billedUpTo = lastStatementDay(acct);
  const items = rows.map((r) => rowJson(acct, r, billedUpTo, ctx.market));
  ctx.stats.current.pagesServed++;
  ctx.stats.current.rowsServed += items.length;
  // §6: one object, not a one-element array, under the key.
  const list = single && items.length === 1 ? items[0] : items;
  return json(200, { [ctx.market.transactionsKey(acct.group)]: list, nextStartIndex: nextIndex(start.value.offset, rows.length, total) });
}
