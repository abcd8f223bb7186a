import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { get, isoAddDays, pageAll, rowsOf, TODAY } from './client.ts';

let sb: Sandbox;
let token: string;
beforeAll(async () => {
  sb = await startSandbox({ country: 'SG', today: TODAY, rateLimit: false });
  token = (await sb.issueTokens('user-1')).access_token;
});
afterAll(() => sb.close());

/** Windows covering the whole 12-month history, as a backfill would walk it. */
function windows(isCard: boolean): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let to = TODAY;
  const start = '2025-11-26';
  while (to >= start) {
    let from: string;
    if (isCard) from = isoAddDays(to, -89) < start ? start : isoAddDays(to, -89);
    else {
      const d = new Date(`${to}T00:00:00Z`);
      d.setUTCFullYear(d.getUTCFullYear() - 1);
      from = isoAddDays(d.toISOString().slice(0, 10), 1);
    }
    out.push([from, to]);
    to = isoAddDays(from, -1);
  }
  return out;
}

describe('Asia-Pacific v1 resource calls (SG)', () => {
  it('require all four headers; count missing and duplicate uuids', async () => {
    sb.resetStats();
    const cases: Array<Record<string, string>> = [{ authorization: '' }, { client_id: '' }, { uuid: '' }, { accept: 'text/html' }];
    for (const h of cases) {
      const r = await get(sb, '/v1/accounts', token, h);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ type: 'error', code: 'invalidRequest' });
      expect(Object.keys(r.json).sort()).toEqual(['code', 'details', 'location', 'moreInfo', 'type']);
    }
    await get(sb, '/v1/accounts', token, { uuid: 'same-uuid' });
    await get(sb, '/v1/accounts', token, { uuid: 'same-uuid' });
    expect(sb.stats()).toMatchObject({ missingHeaders: 4, missingUuid: 1, duplicateUuid: 1 });
  });

  it('answers 401 for unknown tokens and 404 for another user’s account', async () => {
    expect((await get(sb, '/v1/accounts', 'nope')).json.code).toBe('unAuthorized');
    const other = sb.users[1]!.accountIds[0]!;
    const r = await get(sb, `/v1/accounts/${other}/transactions?transactionFromDate=2026-10-01&transactionToDate=2026-11-01`, token);
    expect(r.status).toBe(404);
    expect(r.json.code).toBe('resourceNotFound');
  });

  it('pages accounts 5 at a time, grouped by accountGroup, with the contract fields', async () => {
    const p1 = await get(sb, '/v1/accounts', token);
    expect(p1.json.nextStartIndex).toBe('5');
    const p2 = await get(sb, '/v1/accounts?nextStartIndex=5', token);
    expect(p2.json.nextStartIndex).toBe('');
    type Group = { accountGroup: string; accounts: Array<Record<string, Record<string, unknown>>> };
    const groups = [...(p1.json.accountGroupSummary as Group[]), ...(p2.json.accountGroupSummary as Group[])].filter((g) => g.accounts);
    const accounts = groups.flatMap((g) => g.accounts.map((a): Record<string, unknown> => ({ group: g.accountGroup, ...Object.values(a)[0]! })));
    // Grouping reorders them (both savings accounts sit in one group), so compare as sets.
    expect(accounts.map((a) => String(a.accountId)).sort()).toEqual([...sb.users[0]!.accountIds].sort());
    expect(new Set(accounts.map((a) => a.group))).toEqual(new Set(['CHECKING', 'SAVINGS', 'CREDIT_CARD', 'LOANS']));
    expect(accounts.map((a) => a.currencyCode).sort()).toEqual(['BHD', 'JPY', 'SGD', 'SGD', 'SGD', 'SGD', 'SGD', 'SGD']);
    expect(accounts.filter((a) => a.accountStatus === 'CLOSED')).toHaveLength(1);
    expect(accounts.some((a) => String(a.accountId).length === 128)).toBe(true);
    const card = accounts.find((a) => a.group === 'CREDIT_CARD')!;
    expect(card).toMatchObject({ accountClassification: 'LIABILITY' });
    for (const k of ['creditLimit', 'availableCredit', 'outstandingBalance', 'minimumDueAmount', 'paymentDueDate']) expect(card).toHaveProperty(k);
    // Cards and loans show what is owed as outstandingBalance, never currentBalance (contract §3).
    expect(card).not.toHaveProperty('currentBalance');
    const loan = accounts.find((a) => a.group === 'LOANS')!;
    expect(loan).toMatchObject({ accountClassification: 'LIABILITY' });
    expect(Object.keys(loan)).toEqual(expect.arrayContaining(['outstandingBalance', 'originalPrincipalAmount', 'nextPaymentAmount', 'nextPaymentDate']));
    const truth = sb.truth('user-1').accounts;
    for (const a of accounts) {
      const t = truth.find((x) => x.accountId === a.accountId)!;
      expect(a).toEqual({ group: t.accountGroup, ...t.served });
      expect(a.currentBalance ?? a.outstandingBalance).toBe(t.currentBalance);
    }
    // INSURANCE comes last, as policies: listed, not accounts.
    const last = p2.json.accountGroupSummary as Array<Record<string, unknown>>;
    expect(last.at(-1)).toMatchObject({ accountGroup: 'INSURANCE', insurancePolicies: sb.truth('user-1').insurancePolicies });
    expect((last.at(-1)!.insurancePolicies as unknown[]).length).toBe(1);
  });

  it('pages every account’s whole history exactly as truth() has it', async () => {
    const truth = sb.truth('user-1').accounts;
    let total = 0;
    for (const acct of truth) {
      const rows: Record<string, unknown>[] = [];
      for (const [from, to] of windows(acct.group === 'CREDIT_CARD')) rows.push(...(await pageAll(sb, token, acct.accountId, from, to)).rows);
      expect(rows).toEqual(acct.transactions.filter((t) => t.transactionDate >= '2025-11-26').map((t) => t.raw));
      total += rows.length;
    }
    expect(total).toBeGreaterThan(750);
    expect(truth.find((a) => a.transactions.length === 0)).toBeDefined();
  });

  it('serves newest first with nextStartIndex offsets and honours requestSize', async () => {
    const acct = sb.users[0]!.accountIds[0]!;
    const r = await get(sb, `/v1/accounts/${acct}/transactions?transactionFromDate=2026-01-01&transactionToDate=2026-11-25&requestSize=7`, token);
    // Singapore keys the array `transaction` [seen], whatever the account's kind.
    expect(Object.keys(r.json).sort()).toEqual(['nextStartIndex', 'transaction']);
    const rows = rowsOf(r.json) as Array<{ transactionDate: string }>;
    expect(rows).toHaveLength(7);
    expect(r.json.nextStartIndex).toBe('7');
    const dates = rows.map((x) => x.transactionDate);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect((await get(sb, `/v1/accounts/${acct}/transactions?transactionFromDate=2026-01-01&transactionToDate=2026-11-25&nextStartIndex=abc`, token)).status).toBe(400);
  });

  it('filters by transactionStatus', async () => {
    const card = sb.truth('user-1').accounts.find((a) => a.group === 'CREDIT_CARD')!;
    const from = isoAddDays(TODAY, -89);
    const pending = (await pageAll(sb, token, card.accountId, from, TODAY, '&transactionStatus=PENDING')).rows;
    const posted = (await pageAll(sb, token, card.accountId, from, TODAY, '&transactionStatus=POSTED')).rows;
    const all = card.transactions.filter((t) => t.transactionDate >= from);
    expect(pending.map((r) => r.transactionId)).toEqual(all.filter((t) => t.status === 'PENDING').map((t) => t.transactionId));
    expect(posted).toHaveLength(all.length - pending.length);
    expect((await get(sb, `/v1/accounts/${card.accountId}/transactions?transactionFromDate=${from}&transactionToDate=${TODAY}&transactionStatus=BOOKED`, token)).status).toBe(400);
  });

  it('enforces windows: 12 months back and inclusive for deposits and loans, 90 days for cards, none after today', async () => {
    const [checking, , card] = sb.users[0]!.accountIds;
    const q = (id: string, from: string, to: string) => get(sb, `/v1/accounts/${id}/transactions?transactionFromDate=${from}&transactionToDate=${to}`, token);
    expect((await q(checking!, '2025-11-26', '2026-11-25')).status).toBe(200);
    expect((await q(checking!, '2025-11-25', '2026-11-25')).status).toBe(400);
    expect((await q(card!, '2026-08-28', '2026-11-25')).status).toBe(200);
    const tooLong = await q(card!, '2026-08-27', '2026-11-25');
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.code).toBe('invalidRequest');
    expect((await q(checking!, '2026-11-25', '2026-11-24')).status).toBe(400);
    expect((await q(checking!, '2026-02-30', '2026-03-01')).status).toBe(400);
    expect((await get(sb, `/v1/accounts/${checking!}/transactions?transactionToDate=2026-11-25`, token)).status).toBe(400);
    const old = await q(checking!, '2025-11-25', '2025-12-31');
    expect([old.status, old.json.code]).toEqual([400, 'invalidRequest']);
    const future = await q(checking!, '2026-11-01', '2026-11-26');
    // Flat error bodies in Asia-Pacific (contract §2).
    expect(future.json).toMatchObject({ type: 'error', code: 'tranxToDateAfterCurrDate' });
  });

  it('lists card statements and serves immutable statement details that add up', async () => {
    const card = sb.truth('user-1').accounts.find((a) => a.group === 'CREDIT_CARD')!;
    const list = await get(sb, `/v1/accounts/${card.accountId}/statements`, token);
    const statements = list.json.statementList as Array<{ statementId: string; statementDate: string }>;
    expect(statements.length).toBeGreaterThanOrEqual(11);
    expect(statements[0]!.statementId).toMatch(/^S\d{4}-\d{2}$/);
    const detail = async (id: string) => (await get(sb, `/v1/accounts/${card.accountId}/statements/${id}`, token)).json.creditCardStatement as {
      statementSummary: Record<string, number>; transactions: Array<{ transactionAmount: number }>; nextStartIndex: string;
    };
    const s = await detail(statements[1]!.statementId);
    const prev = await detail(statements[2]!.statementId);
    expect(s.nextStartIndex).toBe('');
    const sum = s.transactions.reduce((acc, t) => acc + Math.round(t.transactionAmount * 100), 0);
    const ss = s.statementSummary;
    expect(Math.round(ss.totalDebitAmount! * 100) - Math.round(ss.totalCreditAmount! * 100)).toBe(sum);
    expect(ss.beginningBalanceAmount).toBe(prev.statementSummary.outstandingBalance);
    expect(Math.round(ss.outstandingBalance! * 100)).toBe(Math.round(ss.beginningBalanceAmount! * 100) + sum);
    sb.advance(40);
    expect(await detail(statements[1]!.statementId)).toEqual(s);
    expect((await get(sb, `/v1/accounts/${card.accountId}/statements/S1999-01`, token)).status).toBe(404);
  });
});
