/**
 * What every dialect's resource routes share (contract §3-§5): the request context, account
 * ownership, canned responses, window rows, and the Asia-Pacific statement routes. Called after
 * headers, rate limit, faults and the bearer token were checked; `grant` is the caller's consent.
 * The dialect modules (usV2.ts, apacV1.ts) shape the answers.
 */
import { badRequest, citiError, json, type Reply } from './http.ts';
import { windowRange, type Row } from './ledger.ts';
import type { Market } from './market.ts';
import type { Account } from './model.ts';
import type { Grant } from './oauth.ts';
import { nextIndex, parseRequestSize, parseStart, parseWindow, type Parsed } from './paging.ts';
import { rowJson, statementRows, statementSummary } from './serialize.ts';
import { isoDay } from './dates.ts';
import type { StatsRecorder } from './stats.ts';
import type { World } from './world.ts';

export interface ResourceContext {
  world: World;
  market: Market;
  grant: Grant;
  params: URLSearchParams;
  pageSize: number;
  stats: StatsRecorder;
  mutateDuringPagination: boolean;
}

export const invalid = (p: Parsed<unknown> & { ok: false }): Reply => badRequest(p.details, p.location);

export const notFound = (what: string): Reply => citiError(404, 'resourceNotFound', `${what} not found for this customer`);

/** Contract §2: a customer without accounts is a 400 noAccounts, not an empty list. */
export const noAccounts = (): Reply => citiError(400, 'noAccounts', 'No active accounts or No accounts linked for customer');

export function ownedAccount(ctx: ResourceContext, accountId: string): Account | undefined {
  const acct = ctx.world.account(accountId);
  return acct && acct.userId === ctx.grant.userId ? acct : undefined;
}

/** A response set through setAccountResponse, used `times` times, served as is. */
export function cannedResponse(acct: Account): Reply | undefined {
  const override = acct.override;
  if (!override) return undefined;
  if (--override.times <= 0) acct.override = null;
  return { status: override.status, body: override.body, contentType: override.contentType };
}

/** The rows of a window, newest first, from `offset`: O(log n + page) for ALL; a bounded scan for a status filter. */
export function pageRows(acct: Account, from: number, to: number, status: string, offset: number, size: number): { rows: Row[]; total: number } {
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

/** The date window of a transactions call, by the market's rules; a Reply when they are broken. */
export function windowOf(ctx: ResourceContext, acct: Account): { from: number; to: number } | Reply {
  const win = parseWindow(ctx.params, ctx.world.today, ctx.market, acct.group === 'CREDIT_CARD');
  if (!win.ok) return citiError(400, win.code, win.details, win.location);
  return win.value;
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
      transactions: page.map((r) => rowJson(acct, r, Number.POSITIVE_INFINITY, ctx.market)),
      nextStartIndex: nextIndex(start.value.offset, page.length, rows.length),
    },
  });
}
