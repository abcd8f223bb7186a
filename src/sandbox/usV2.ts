/**
 * The US v2 dialect (contract §3-§4): `GET /v2/accounts/details` (accountGroupDetails, seven kinds),
 * the older `GET /v2/accounts` (accountGroupSummary[].{type}AccountsSummary[]), and unpaged
 * transaction windows that answer 204 when empty. No statements: those paths are the gateway's 404.
 */
import { createHash } from 'node:crypto';
import type { Group } from './catalog.ts';
import { isoDay } from './dates.ts';
import { accountHoldingsJson, decimalString, planComponentsJson, portfolioCents, retirementCents } from './holdings.ts';
import { json, type Reply } from './http.ts';
import { isLiability, type Account } from './model.ts';
import { nextIndex, parseStart } from './paging.ts';
import { cannedResponse, invalid, noAccounts, notFound, ownedAccount, pageRows, windowOf, type ResourceContext } from './resources.ts';
import { balances, lastStatementDay, money, nextLoanPayment, rowJson } from './serialize.ts';

/** `accountGroup` values and the prefix of each kind's array [spec]. */
export const US_GROUP: Readonly<Record<Group, { name: string; prefix: string }>> = {
  CHECKING: { name: 'CHECKING', prefix: 'checking' },
  SAVINGS: { name: 'SAVINGS', prefix: 'savings' },
  CREDIT_CARD: { name: 'CREDITCARD', prefix: 'creditCard' },
  LOANS: { name: 'LOAN', prefix: 'loan' },
  LINE_OF_CREDIT: { name: 'LINEOFCREDIT', prefix: 'lineOfCredit' },
  BROKERAGE: { name: 'BROKERAGE', prefix: 'brokerage' },
  RETIREMENT: { name: 'RETIREMENT', prefix: 'retirement' },
};

/** Loans, brokerage and retirement accounts carry no accountStatus; investments no currencyCode (contract §3). */
const NO_STATUS = new Set<Group>(['LOANS', 'BROKERAGE', 'RETIREMENT']);

export function usAccountDetails(acct: Account, today: number): Record<string, unknown> {
  const b = balances(acct);
  const g = acct.group;
  const d: Record<string, unknown> = {
    productName: acct.productName,
    accountNickname: acct.nickname,
    accountDescription: `${acct.productName} - ${acct.displayNumber.slice(-4)}`,
    balanceType: isLiability(g) ? 'LIABILITY' : 'ASSET',
    displayAccountNumber: acct.displayNumber,
    accountId: acct.accountId,
  };
  if (g !== 'BROKERAGE' && g !== 'RETIREMENT') d.currencyCode = acct.currency.code;
  if (!NO_STATUS.has(g)) d.accountStatus = acct.status;
  switch (g) {
    case 'CHECKING':
    case 'SAVINGS':
      d.currentBalance = b.current;
      if (b.available !== null) d.availableBalance = b.available;
      break;
    case 'CREDIT_CARD': {
      const last = acct.statements[acct.statements.length - 1];
      d.availableCredit = b.available;
      d.creditLimit = money(acct, acct.creditLimit);
      if (last) {
        d.minimumDueAmount = money(acct, last.minDue);
        d.paymentDueDate = isoDay(last.dueDay);
      }
      d.currentBalance = b.current;
      if (last) {
        d.lastStatementBalance = money(acct, last.outstanding);
        d.lastStatementDate = isoDay(last.day);
      }
      break;
    }
    case 'LOANS':
    case 'LINE_OF_CREDIT': {
      const next = nextLoanPayment(acct, today);
      d.currentBalanceAmount = b.current;
      if (g === 'LINE_OF_CREDIT' && b.available !== null) d.creditAvailableAmount = b.available;
      d.paymentDueAmount = next?.amount ?? 0;
      if (next) d.paymentDueDate = isoDay(next.day);
      break;
    }
    case 'BROKERAGE':
      d.accountRegistrationType = 'RETAIL';
      d.accountTradingCapableFlag = true;
      d.brokerageAccountTransactionTypes = ['CASH'];
      d.accountHoldings = accountHoldingsJson(acct, today);
      // A decimal STRING in Citi's example [spec]: clients must read it exactly.
      d.totalPortfolioBalanceAmount = decimalString(portfolioCents(acct, today), acct.currency.decimals);
      break;
    case 'RETIREMENT':
      d.accountValue = money(acct, retirementCents(acct, today));
      d.asOfDateTime = isoDay(today);
      d.retirementPlanComponents = planComponentsJson(acct, today);
      break;
  }
  return d;
}

function customerId(userId: string): string {
  return createHash('sha512').update(`customer:${userId}`).digest('hex');
}

/** Accounts grouped by kind, in the order the user holds them. */
function byKind(accounts: readonly Account[]): Map<Group, Account[]> {
  const out = new Map<Group, Account[]>();
  for (const a of accounts) out.set(a.group, [...(out.get(a.group) ?? []), a]);
  return out;
}

export function accountDetailsV2(ctx: ResourceContext): Reply {
  const all = ctx.world.accountsOf(ctx.grant.userId);
  if (all.length === 0) return noAccounts();
  const accountGroupDetails = [...byKind(all)].map(([group, accounts]) => {
    const { name, prefix } = US_GROUP[group];
    const out: Record<string, unknown> = { accountGroup: name, [`${prefix}AccountsDetails`]: accounts.map((a) => usAccountDetails(a, ctx.world.today)) };
    const currencies = new Set(accounts.map((a) => a.currency.code));
    if (currencies.size === 1 && (group === 'CHECKING' || group === 'SAVINGS')) {
      const minor = accounts.reduce((s, a) => s + a.balance, 0);
      out.totalCurrentBalance = { localCurrencyCode: accounts[0]!.currency.code, localCurrencyBalanceAmount: money(accounts[0]!, minor) };
    }
    return out;
  });
  return json(200, { accountGroupDetails, customer: { customerId: customerId(ctx.grant.userId) } });
}

/** The 2017-18 US sandbox's listing [seen]: the same accounts under `{type}AccountsSummary`. */
export function accountSummaryV2(ctx: ResourceContext): Reply {
  const all = ctx.world.accountsOf(ctx.grant.userId);
  if (all.length === 0) return noAccounts();
  const accountGroupSummary = [...byKind(all)].map(([group, accounts]) => {
    const { name, prefix } = US_GROUP[group];
    return { accountGroup: name, [`${prefix}AccountsSummary`]: accounts.map((a) => usAccountDetails(a, ctx.world.today)) };
  });
  return json(200, { accountGroupSummary });
}

const NO_CONTENT: Reply = { status: 204, body: '' };

export function listTransactionsV2(ctx: ResourceContext, accountId: string): Reply {
  const acct = ownedAccount(ctx, accountId);
  if (!acct) return notFound('account');
  const canned = cannedResponse(acct);
  if (canned) return canned;
  const win = windowOf(ctx, acct);
  if ('status' in win) return win;
  // No paging is declared: the whole window in one answer. Under the 'singleObject' shape rows come
  // one per answer with a nextStartIndex, which a client must follow if it ever appears (contract §4).
  const single = acct.shape === 'singleObject';
  const start = single ? parseStart(ctx.params) : ({ ok: true, value: { offset: 0, continued: false } } as const);
  if (!start.ok) return invalid(start);
  // mutateDuringPagination with nothing to page: the world changes between two calls of a window
  // (a one-row page would only ever see the row just added, so those are left alone).
  if (!single && ctx.mutateDuringPagination) ctx.world.injectPending(acct, win.to);
  const { rows, total } = pageRows(acct, win.from, win.to, 'ALL', start.value.offset, single ? 1 : Number.MAX_SAFE_INTEGER);
  if (rows.length === 0) return NO_CONTENT;
  const billedUpTo = lastStatementDay(acct);
  const key = ctx.market.transactionsKey(acct.group);
  ctx.stats.current.pagesServed++;
  ctx.stats.current.rowsServed += rows.length;
  if (single) {
    const next = nextIndex(start.value.offset, rows.length, total);
    return json(200, { [key]: rowJson(acct, rows[0]!, billedUpTo, ctx.market), ...(next ? { nextStartIndex: next } : {}) });
  }
  // One string built row by row: a two-year window can hold thousands of rows.
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = JSON.stringify(rowJson(acct, rows[i]!, billedUpTo, ctx.market));
  return { status: 200, body: `{${JSON.stringify(key)}:[${parts.join(',')}]}`, contentType: 'application/json' };
}
