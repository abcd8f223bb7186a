import { isLosslessNumber } from 'lossless-json';
import { InvalidFieldError, maskCredentials, snippetOf } from './errors.ts';
import { plainJson } from './json.ts';
import { keyList, normalizeAccount, normalizeAccountObject } from './normalize.ts';
import { within } from './parse.ts';
import { isPlainObject, oneLine } from './text.ts';
import type { CitiAccount, CitiNotSynced } from './types.ts';

/**
 * The envelopes around Citi's accounts and transactions (contract §3, §4), read tolerantly: every
 * shape the contract lists is accepted, and a body that matches none fails with the keys it had,
 * never as zero rows. The dialects (dialects/*.ts) say which of these readers they use.
 */

export interface AccountsPage {
  /** In listing order; an id may repeat (the caller reports it). */
  accounts: CitiAccount[];
  notSynced: CitiNotSynced[];
  next: string | null;
}

const DETAILS_ARRAY = /^(.+)AccountsDetails$/;
const SUMMARY_ARRAY = /^(.+)AccountsSummary$/;
/** Group members that are not accounts the client syncs, but are not an error either (§3). */
const NOT_SYNCED = new Set(['insurancePolicies']);
const GROUP_INFO = /^(accountGroup|total.*)$/;

/**
 * US `GET /v2/accounts/details` (`accountGroupDetails[].{kind}AccountsDetails[]`), the older US
 * `GET /v2/accounts` (`accountGroupSummary[].{kind}AccountsSummary[]`) and Asia-Pacific
 * `GET /v1/accounts` (`accountGroupSummary[].accounts[].{kind}AccountSummary`, `insurancePolicies`).
 */
export function readAccountGroups(json: unknown): AccountsPage {
  if (!isPlainObject(json)) throw new InvalidFieldError('', 'expected an object', snippetOf(json));
  const envelope = 'accountGroupDetails' in json ? 'accountGroupDetails' : 'accountGroupSummary' in json ? 'accountGroupSummary' : null;
  if (envelope === null) {
    throw new InvalidFieldError('', `no accountGroupDetails or accountGroupSummary; found keys: ${keyList(json)}`, snippetOf(json));
  }
  const groups = oneOrMany(json[envelope]);
  if (groups === null) throw new InvalidFieldError(envelope, 'expected an array of account groups', snippetOf(json[envelope]));
  const page: AccountsPage = { accounts: [], notSynced: [], next: cursorOf(json.nextStartIndex) };
  groups.forEach((group, gi) => within(`${envelope}[${gi}]`, () => readGroup(group, page)));
  return page;
}

function readGroup(group: unknown, page: AccountsPage): void {
  if (!isPlainObject(group)) throw new InvalidFieldError('', 'expected an account group object', snippetOf(group));
  const accountGroup = typeof group.accountGroup === 'string' ? group.accountGroup : null;
  for (const [key, value] of Object.entries(group)) {
    if (GROUP_INFO.test(key) || value === null || value === undefined) continue;
    const details = DETAILS_ARRAY.exec(key) ?? SUMMARY_ARRAY.exec(key);
    if (details) {
      const kind = details[1] as string;
      eachOf(key, value, (item, path) => page.accounts.push(within(path, () => normalizeAccountObject(item, kind, accountGroup))));
    } else if (key === 'accounts') {
      eachOf(key, value, (entry, path) => page.accounts.push(within(path, () => normalizeAccount(entry, accountGroup))));
    } else if (NOT_SYNCED.has(key)) {
      eachOf(key, value, (item) => {
        const raw = (isPlainObject(item) ? plainJson(item) : { value: plainJson(item) }) as Record<string, unknown>;
        const id = raw.accountId ?? raw.policyNumber ?? raw.displayPolicyNumber;
        page.notSynced.push({ accountGroup, kind: key, id: typeof id === 'string' || typeof id === 'number' ? String(id) : null, raw });
      });
    } else if (Array.isArray(value) && value.some(isPlainObject)) {
      // An array of objects we do not know may be accounts we would silently miss: say so.
      // The group's name is Citi's text: bounded and credentials masked, like a snippet.
      const name = accountGroup === null ? '(unnamed)' : maskCredentials(oneLine(accountGroup)).slice(0, 60);
      throw new InvalidFieldError(key, `unknown account array in group ${name}; found keys: ${keyList(group)}`, snippetOf(value));
    }
  }
}

function eachOf(key: string, value: unknown, fn: (item: unknown, path: string) => void): void {
  const items = oneOrMany(value);
  if (items === null) throw new InvalidFieldError(key, 'expected an array or an object', snippetOf(value));
  items.forEach((item, i) => fn(item, `${key}[${i}]`));
}

/** §6: a single object where an array belongs is a one-element array. */
function oneOrMany(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) return [value];
  return null;
}

export interface TransactionsPage {
  rows: unknown[];
  /** The key the rows came under. */
  key: string;
  next: string | null;
}

/**
 * §4: the rows sit under `{kind}AccountTransactions` (US, most Asia-Pacific), `transaction` (SG
 * sandbox 2020) or `transactions` (India); one object may stand for an array. The account's own
 * kind's key wins; another kind's `…AccountTransactions` key is accepted too (a kind Citi renamed).
 */
export function readTransactionRows(json: unknown, accountType: string): TransactionsPage {
  if (!isPlainObject(json)) throw new InvalidFieldError('', 'expected an object', snippetOf(json));
  const own = `${accountType}AccountTransactions`;
  const key = [own, 'transaction', 'transactions'].find((k) => json[k] !== undefined) ?? Object.keys(json).find((k) => /AccountTransactions$/.test(k));
  if (key === undefined) {
    throw new InvalidFieldError('', `no ${own}, transaction or transactions array; found keys: ${keyList(json)}`, snippetOf(json));
  }
  const value = json[key];
  const rows = value === null ? [] : oneOrMany(value);
  if (rows === null) throw new InvalidFieldError(key, 'expected an array or an object', snippetOf(value));
  return { rows, key, next: cursorOf(json.nextStartIndex) };
}

/** `nextStartIndex`: opaque text sent back unchanged; absent, null or "" = the last page. */
export function cursorOf(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new InvalidFieldError('nextStartIndex', 'expected a string', snippetOf(value));
}
