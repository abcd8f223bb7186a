/** Ground truth: what the API would show right now, every row of the history, for exact comparisons. */
import type { Group } from './catalog.ts';
import { isoDay } from './dates.ts';
import type { Account } from './model.ts';
import { balances, lastStatementDay, rowJson } from './serialize.ts';
import type { TruthAccount, TruthTransaction } from './types.ts';

/** `type` names the account kind as the API's keys do (checkingAccountSummary -> 'checking'). */
const TYPE: Readonly<Record<Group, string>> = { CHECKING: 'checking', SAVINGS: 'savings', CREDIT_CARD: 'creditCard', LOANS: 'loan' };

export function truthOf(acct: Account): TruthAccount {
  const billedUpTo = lastStatementDay(acct);
  const transactions: TruthTransaction[] = [];
  for (let i = acct.rows.length - 1; i >= 0; i--) {
    const row = acct.rows[i]!;
    const raw = rowJson(acct, row, billedUpTo);
    transactions.push({
      transactionId: typeof raw.transactionId === 'string' ? raw.transactionId : null,
      accountId: acct.accountId,
      status: String(raw.transactionStatus),
      transactionDate: isoDay(row.day),
      postingDate: row.post >= 0 ? isoDay(row.post) : null,
      amount: raw.transactionAmount as number,
      raw,
    });
  }
  const b = balances(acct);
  return {
    accountId: acct.accountId,
    group: acct.group,
    type: TYPE[acct.group],
    currencyCode: acct.currency.code,
    status: acct.status,
    currentBalance: b.current,
    availableBalance: b.available,
    transactions,
  };
}
