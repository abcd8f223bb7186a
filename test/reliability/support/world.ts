/**
 * One reliability scenario's world: a simulator in this process, a fresh migrated database, an
 * encryption key, and the environment a `citi-sync` child needs to sync against them.
 *
 * Clocks: the CLI plans windows up to the REAL current UTC date, while the simulator's world only
 * moves on advance(). So the world starts `advanceDays` before today and catches up as the scenario
 * advances it, and the lookback is set wider than that gap (plus the 30 days in which Citi may still
 * correct a posted row): every change the world makes then falls inside the incremental window.
 */
import { randomBytes } from 'node:crypto';
import { TokenCipher } from '../../../src/auth/crypto.ts';
import { addConnection } from '../../../src/auth/consent.ts';
import { bankToday, dialectFor } from '../../../src/citi/index.ts';
import type { Database } from '../../../src/db/database.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../src/sandbox/index.ts';
import { addDays } from '../../../src/sync/dates.ts';
import { syncRange } from '../../../src/sync/plan.ts';
import { TEST_COUNTRY } from '../../helpers/country.ts';
import { databaseName } from '../../helpers/scratchDb.ts';
import { exactness, type Exactness } from './exact.ts';

export interface DatabaseHandle {
  db: Database;
  url: string;
  drop(): Promise<void>;
}

export interface WorldOptions {
  db: DatabaseHandle;
  /** Days the scenario will advance the world in total. @defaultValue 0 */
  advanceDays?: number;
  sandbox?: SandboxOptions;
  /** The client's request budget (CITI_MAX_REQUESTS_PER_SECOND). @defaultValue 400 */
  requestsPerSecond?: number;
  historyMonths?: number;
}

export interface RelWorld {
  sandbox: Sandbox;
  db: Database;
  dbUrl: string;
  dbName: string;
  /** The hex encryption key the children get. */
  key: string;
  cipher: TokenCipher;
  /** The synced range as the CLI computes it (real UTC today). */
  range: { from: string; to: string };
  lookbackDays: number;
  /** Environment for a `citi-sync` child (LOG_LEVEL warn unless overridden). */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** Registers the consent of user `userIndex` as connection `id`; returns the user id. */
  connect(id: string, userIndex?: number): Promise<string>;
  exact(connectionId: string, userId: string): Promise<Exactness>;
  close(): Promise<void>;
}

/**
 * Today as the bank of `country` counts it (contract §0: the market's time zone, not UTC): the last
 * day the CLI plans windows to, and so the world's today. In a US evening UTC is already tomorrow.
 */
export function realToday(country: string = TEST_COUNTRY): string {
  return bankToday(new Date(), dialectFor(country).timeZone);
}

export async function relWorld(opts: WorldOptions): Promise<RelWorld> {
  const advanceDays = opts.advanceDays ?? 0;
  const country = opts.sandbox?.country ?? TEST_COUNTRY;
  const today = realToday(country);
  const historyMonths = opts.historyMonths ?? 24;
  const lookbackDays = advanceDays + 31;
  const sandbox = await startSandbox({
    // The suite's market (US v2 unless CITI_COUNTRY says otherwise); a scenario may pin its own.
    country,
    seed: 11,
    rateLimit: false,
    ...opts.sandbox,
    today: addDays(today, -advanceDays),
  });
  const key = randomBytes(32).toString('hex');
  const cipher = new TokenCipher(Buffer.from(key, 'hex'));
  const { db, url } = opts.db;
  // The sync goes back no further than the market serves (US 24 months, Asia-Pacific 12).
  const synced = Math.min(historyMonths, dialectFor(sandbox.country).historyMonths);
  const range = syncRange({ today, watermark: null, full: true, historyMonths: synced, lookbackDays });
  return {
    sandbox,
    db,
    dbUrl: url,
    dbName: databaseName(url),
    key,
    cipher,
    range,
    lookbackDays,
    env: (extra = {}) => ({
      DATABASE_URL: url,
      CITI_API_BASE_URL: sandbox.url,
      CITI_CLIENT_ID: sandbox.clientId,
      CITI_CLIENT_SECRET: sandbox.clientSecret,
      CITI_SYNC_ENCRYPTION_KEY: key,
      CITI_MAX_REQUESTS_PER_SECOND: String(opts.requestsPerSecond ?? 400),
      CITI_HISTORY_MONTHS: String(historyMonths),
      CITI_LOOKBACK_DAYS: String(lookbackDays),
      CITI_COUNTRY: sandbox.country,
      LOG_LEVEL: 'warn',
      ...extra,
    }),
    async connect(id, userIndex = 0) {
      const user = sandbox.users[userIndex]!;
      const t = await sandbox.issueTokens(user.userId);
      await addConnection(db, cipher, { id, refreshToken: t.refresh_token, country: sandbox.country });
      return user.userId;
    },
    exact: (connectionId, userId) => exactness(db, sandbox, connectionId, userId, range),
    async close() {
      await sandbox.close();
      await opts.db.drop();
    },
  };
}
