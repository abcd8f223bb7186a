import { randomBytes } from 'node:crypto';
import { CitiClient, TokenBucketGate } from '../../src/citi/index.ts';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { addConnection } from '../../src/auth/consent.ts';
import type { Database } from '../../src/db/database.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.ts';
import type { SyncDeps, SyncSettings } from '../../src/sync/index.ts';

export const TODAY = '2026-11-25';

export interface Harness {
  sandbox: Sandbox;
  client: CitiClient;
  cipher: TokenCipher;
  deps: SyncDeps;
  connect(id: string, userIndex?: number): Promise<{ userId: string }>;
  close(): Promise<void>;
}

/** The market the sync tests run in: `CITI_COUNTRY` (the suite runs once per dialect), else US. */
export const COUNTRY = (process.env.CITI_COUNTRY ?? 'US').toUpperCase();

/**
 * A simulator on a random port speaking `country`'s dialect, a client on it, and sync deps on the
 * given database; connections made with `connect` are of that market.
 */
export async function harness(db: Database, opts: { sandbox?: SandboxOptions; settings?: Partial<SyncSettings>; country?: string } = {}): Promise<Harness> {
  const country = opts.country ?? COUNTRY;
  const sandbox = await startSandbox({ seed: 7, today: TODAY, rateLimit: false, country, ...opts.sandbox });
  const client = new CitiClient({
    country,
    baseUrl: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    gate: new TokenBucketGate({ perSecond: 10_000, burst: 10_000 }),
    retryBaseMs: 5,
    retryMaxMs: 50,
  });
  const cipher = new TokenCipher(randomBytes(32));
  const deps: SyncDeps = {
    db,
    client,
    cipher,
    logger: silentLogger(),
    settings: { historyMonths: 24, lookbackDays: 14, windowConcurrency: 4, accountConcurrency: 4, ...opts.settings },
    now: () => new Date(`${sandbox.today()}T12:00:00Z`),
  };
  return {
    sandbox,
    client,
    cipher,
    deps,
    async connect(id, userIndex = 0) {
      const user = sandbox.users[userIndex]!;
      const t = await sandbox.issueTokens(user.userId);
      await addConnection(db, cipher, { id, refreshToken: t.refresh_token, country });
      return { userId: user.userId };
    },
    async close() {
      await client.close();
      await sandbox.close();
    },
  };
}

export interface StoredTxn {
  account_id: string;
  transaction_id: string;
  id_synthetic: boolean;
  status: string;
  amount: string;
  transaction_date: string;
  removed_at: Date | null;
}

export async function storedTransactions(db: Database, connectionId: string): Promise<StoredTxn[]> {
  const { rows } = await db.query<StoredTxn>(
    `SELECT account_id, transaction_id, id_synthetic, status, amount, transaction_date, removed_at FROM citi_sync.transactions
      WHERE connection_id = $1 ORDER BY account_id, transaction_id`,
    [connectionId],
  );
  return rows;
}

/**
 * What the bank shows now, inside the synced history, as (account, id, status, signed amount) keys:
 * the database's live rows must equal it exactly, nothing missing, nothing extra. A row the bank
 * sends without an id (US pending rows) is `syn`: stored under a synthetic key.
 */
export function truthKeys(sandbox: Sandbox, userId: string, from: string): string[] {
  const keys: string[] = [];
  for (const a of sandbox.truth(userId).accounts) {
    for (const t of a.transactions) {
      if (t.transactionDate < from) continue;
      const status = t.postingDate || t.status !== 'PENDING' ? 'posted' : 'pending';
      keys.push(`${a.accountId}|${t.transactionId ?? 'syn'}|${status}|${t.signedAmount}`);
    }
  }
  return keys.sort();
}

export function liveKeys(rows: StoredTxn[]): string[] {
  return rows
    .filter((r) => r.removed_at === null)
    .map((r) => `${r.account_id}|${r.id_synthetic ? 'syn' : r.transaction_id}|${r.status}|${r.amount}`)
    .sort();
}

/**
 * Every row version of the tables behind analytics.transactions (xmin and ctid change on any write),
 * so "the sync wrote nothing" is checked exactly, on server Postgres and PGlite alike.
 */
export async function rowVersions(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ v: string }>(
    `SELECT connection_id || '|' || account_id || '|' || transaction_id || '|' || xmin::text || '|' || ctid::text AS v
       FROM citi_sync.transactions ORDER BY 1`,
  );
  return rows.map((r) => r.v);
}
