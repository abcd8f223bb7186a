import type { CitiClient } from '../citi/index.ts';
import { connectionCountry } from '../db/connections.ts';
import type { SyncDeps } from './types.ts';

/**
 * The client that speaks a connection's market (its `country` column), on the deployment's one wire
 * and request budget: one deployment serves customers of several markets.
 */
export async function marketClient(deps: SyncDeps, connectionId: string): Promise<CitiClient> {
  const country = (await connectionCountry(deps.db, connectionId)) ?? deps.client.country;
  return deps.client.forCountry(country);
}

const warned = new Set<string>();

/**
 * The months a first sync goes back: the configured value, capped at the market's limit (US 24,
 * Asia-Pacific 12), since Citi answers 400 for more. Capping is said once per process and market.
 */
export function historyMonthsFor(deps: SyncDeps, client: CitiClient): number {
  const limit = client.dialect.historyMonths;
  const wanted = deps.settings.historyMonths;
  if (!Number.isFinite(wanted)) return limit;
  if (wanted > limit) {
    const key = `${client.country}:${wanted}`;
    if (!warned.has(key)) {
      warned.add(key);
      deps.logger.warn({ country: client.country, historyMonths: wanted, limit }, `CITI_HISTORY_MONTHS=${wanted} is beyond what ${client.country} (${client.dialect.name}) serves: syncing ${limit} months`);
    }
    return limit;
  }
  return wanted;
}
