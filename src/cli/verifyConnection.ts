import type { CitiClient } from '../citi/index.ts';
import { refreshAccounts, tokensFor } from '../sync/index.ts';
import type { App } from './app.ts';
import { syncDeps } from './syncWiring.ts';

/**
 * Proves a stored consent works, the way a sync would start: refresh the access token (the rotated
 * refresh token is committed before use, as always, so the one given is spent and the new one kept)
 * and list the accounts (stored, as the first step of a sync does). Returns how many accounts.
 */
export async function verifyConnection(app: App, client: CitiClient, connectionId: string): Promise<number> {
  const deps = syncDeps(app, client);
  const accounts = await refreshAccounts(deps, connectionId, tokensFor(deps, connectionId));
  return accounts.length;
}
