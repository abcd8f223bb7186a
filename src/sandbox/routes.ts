/** Maps resource paths (relative to the base path) to the market's handlers; the route name keys stats.byRoute. */
import { listAccountsV1, listTransactionsV1 } from './apacV1.ts';
import type { Reply } from './http.ts';
import type { Market } from './market.ts';
import { getStatement, listStatements, type ResourceContext } from './resources.ts';
import { accountDetailsV2, accountSummaryV2, listTransactionsV2 } from './usV2.ts';

export type ResourceRoute = { name: string; run: (ctx: ResourceContext) => Reply };

function splitPath(rel: string): string[] | undefined {
  try {
    return rel.split('/').slice(1).map((p) => decodeURIComponent(p));
  } catch {
    return undefined; // malformed percent-encoding: no such resource
  }
}

function usRoute(parts: string[]): ResourceRoute | undefined {
  if (parts[0] !== 'v2' || parts[1] !== 'accounts') return undefined;
  const id = parts[2];
  if (parts.length === 2) return { name: 'GET /v2/accounts', run: accountSummaryV2 };
  if (parts.length === 3 && id === 'details') return { name: 'GET /v2/accounts/details', run: accountDetailsV2 };
  if (id !== undefined && parts.length === 4 && parts[3] === 'transactions') {
    return { name: 'GET /v2/accounts/:id/transactions', run: (c) => listTransactionsV2(c, id) };
  }
  return undefined;
}

function apacRoute(parts: string[], market: Market): ResourceRoute | undefined {
  if (parts[0] !== 'v1' || parts[1] !== 'accounts') return undefined;
  const id = parts[2];
  if (parts.length === 2) return { name: 'GET /v1/accounts', run: listAccountsV1 };
  if (id === undefined) return undefined;
  if (parts.length === 4 && parts[3] === 'transactions') return { name: 'GET /v1/accounts/:id/transactions', run: (c) => listTransactionsV1(c, id) };
  if (!market.statements) return undefined;
  if (parts.length === 4 && parts[3] === 'statements') return { name: 'GET /v1/accounts/:id/statements', run: (c) => listStatements(c, id) };
  const sid = parts[4];
  if (parts.length === 5 && parts[3] === 'statements' && sid !== undefined) {
    return { name: 'GET /v1/accounts/:id/statements/:statementId', run: (c) => getStatement(c, id, sid) };
  }
  return undefined;
}

/** Only the market's own dialect is served: a US client calling /v1 (or the reverse) gets the gateway's 404. */
export function matchResource(rel: string, market: Market): ResourceRoute | undefined {
  const parts = splitPath(rel);
  if (!parts) return undefined;
  return market.dialect === 'us-v2' ? usRoute(parts) : apacRoute(parts, market);
}
