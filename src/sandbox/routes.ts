/** Maps resource paths (relative to the base path) to handlers; the route name keys stats.byRoute. */
import type { Reply } from './http.ts';
import { getStatement, listAccounts, listStatements, listTransactions, type ResourceContext } from './resources.ts';

export type ResourceRoute = { name: string; run: (ctx: ResourceContext) => Reply };

export function matchResource(rel: string): ResourceRoute | undefined {
  let parts: string[];
  try {
    parts = rel.split('/').slice(1).map((p) => decodeURIComponent(p));
  } catch {
    return undefined; // malformed percent-encoding: no such resource
  }
  if (parts[0] !== 'v1' || parts[1] !== 'accounts') return undefined;
  const id = parts[2];
  if (parts.length === 2) return { name: 'GET /v1/accounts', run: listAccounts };
  if (id === undefined) return undefined;
  if (parts.length === 4 && parts[3] === 'transactions') return { name: 'GET /v1/accounts/:id/transactions', run: (c) => listTransactions(c, id) };
  if (parts.length === 4 && parts[3] === 'statements') return { name: 'GET /v1/accounts/:id/statements', run: (c) => listStatements(c, id) };
  const sid = parts[4];
  if (parts.length === 5 && parts[3] === 'statements' && sid !== undefined) {
    return { name: 'GET /v1/accounts/:id/statements/:statementId', run: (c) => getStatement(c, id, sid) };
  }
  return undefined;
}
