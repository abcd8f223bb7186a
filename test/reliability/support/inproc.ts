/**
 * An in-process world for fault scenarios: the simulator, a client built as the CLI builds it (one
 * token-bucket gate, explicit timeouts, the retry budgets), sync deps on a fresh database, and a
 * record of every HTTP attempt the client made (to prove retries stay bounded).
 * The sync's clock is the simulator's world clock, so no real-date skew applies here.
 */
import { randomBytes } from 'node:crypto';
import { TokenCipher } from '../../../src/auth/crypto.ts';
import { CitiClient, TokenBucketGate, dialectFor, type RequestEvent } from '../../../src/citi/index.ts';
import { addConnection } from '../../../src/auth/consent.ts';
import type { Database } from '../../../src/db/database.ts';
import { silentLogger, type Logger } from '../../../src/log/logger.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../src/sandbox/index.ts';
import type { SyncDeps } from '../../../src/sync/index.ts';
import { syncRange } from '../../../src/sync/plan.ts';
import { TEST_COUNTRY } from '../../helpers/country.ts';
import { exactness, type Exactness } from './exact.ts';
import type { DatabaseHandle } from './world.ts';

export const TODAY = '2026-11-25';

export interface InProcOptions {
  db: DatabaseHandle;
  sandbox?: SandboxOptions;
  /** Header and body timeout of the client (CITI_HTTP_TIMEOUT_MS). @defaultValue 30000 */
  timeoutMs?: number;
  /** Accounts and windows at once. @defaultValue 2 */
  concurrency?: number;
  /** @defaultValue 5 (the CLI's default CITI_MAX_RETRIES) */
  maxRetries?: number;
  historyMonths?: number;
  logger?: Logger;
}

export interface InProcWorld {
  sandbox: Sandbox;
  db: Database;
  deps: SyncDeps;
  /** Every HTTP attempt the client made, in order. */
  attempts: RequestEvent[];
  range: { from: string; to: string };
  maxRetries: number;
  connect(id: string, userIndex?: number): Promise<string>;
  exact(connectionId: string, userId: string): Promise<Exactness>;
  close(): Promise<void>;
}

export async function inProcWorld(o: InProcOptions): Promise<InProcWorld> {
  const sandbox = await startSandbox({ country: TEST_COUNTRY, seed: 11, today: TODAY, rateLimit: false, ...o.sandbox });
  const attempts: RequestEvent[] = [];
  const timeout = o.timeoutMs ?? 30_000;
  const maxRetries = o.maxRetries ?? 5;
  const client = new CitiClient({
    country: sandbox.country,
    baseUrl: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    gate: new TokenBucketGate({ perSecond: 500, burst: 50 }),
    timeouts: { connectMs: Math.min(10_000, timeout), headersMs: timeout, bodyMs: timeout },
    maxRetries,
    retryBaseMs: 20,
    retryMaxMs: 400,
    onRequest: (e) => attempts.push(e),
    logger: o.logger,
  });
  const cipher = new TokenCipher(randomBytes(32));
  const concurrency = o.concurrency ?? 2;
  const historyMonths = o.historyMonths ?? 24;
  const deps: SyncDeps = {
    db: o.db.db,
    client,
    cipher,
    logger: o.logger ?? silentLogger(),
    settings: { historyMonths, lookbackDays: 14, windowConcurrency: concurrency, accountConcurrency: concurrency },
    now: () => new Date(`${sandbox.today()}T12:00:00Z`),
  };
  // The sync goes back no further than the market serves (US 24 months, Asia-Pacific 12).
  const synced = Math.min(historyMonths, dialectFor(sandbox.country).historyMonths);
  const range = () => syncRange({ today: sandbox.today(), watermark: null, full: true, historyMonths: synced, lookbackDays: 14 });
  return {
    sandbox,
    db: o.db.db,
    deps,
    attempts,
    get range() {
      return range();
    },
    maxRetries,
    async connect(id, userIndex = 0) {
      const user = sandbox.users[userIndex]!;
      const t = await sandbox.issueTokens(user.userId);
      await addConnection(o.db.db, cipher, { id, refreshToken: t.refresh_token, country: sandbox.country });
      return user.userId;
    },
    exact: (connectionId, userId) => exactness(o.db.db, sandbox, connectionId, userId, range()),
    async close() {
      await client.close();
      await sandbox.close();
      await o.db.drop();
    },
  };
}
