/** What every scenario gets: sizes, the admin database URL, where to put scratch files, a logger. */
import { addDays } from '../../src/citi/index.ts';
import type { SyncSettings } from '../../src/sync/index.ts';
import type { PipelineJob } from '../pipeline.ts';
import type { Connected } from './connections.ts';
import type { SandboxProcess } from './sandbox.ts';

export interface Sizes {
  /** Scenario 1 (and the 1M point of 6): accounts × transactions per account. */
  backfill: { accounts: number; perAccount: number };
  /** Scenario 6's small point, same accounts, a tenth of the rows. */
  small: { accounts: number; perAccount: number };
  /** Rows the naive writer is run on (then projected to the whole backfill). */
  naiveRows: number;
  /** Scenario 5. */
  quota: { accounts: number; perAccount: number };
  /** Scenario 7a: one checking account. */
  latencyPerAccount: number;
  /** Scenario 7b. */
  fleet: { connections: number; perAccount: number };
}

export const FULL: Sizes = {
  backfill: { accounts: 100, perAccount: 10_000 },
  small: { accounts: 100, perAccount: 1_000 },
  naiveRows: 10_000,
  quota: { accounts: 5, perAccount: 1_000 },
  latencyPerAccount: 3_000,
  fleet: { connections: 200, perAccount: 100 },
};

/** Small enough for test/bench/quick.test.ts (under a minute on 2 busy cores); figures are not meaningful. */
export const QUICK: Sizes = {
  backfill: { accounts: 8, perAccount: 400 },
  small: { accounts: 8, perAccount: 40 },
  naiveRows: 300,
  quota: { accounts: 1, perAccount: 200 },
  latencyPerAccount: 300,
  fleet: { connections: 6, perAccount: 30 },
};

/** For direction while working (`--medium`): a tenth of the full backfill, minutes not a quarter hour. */
export const MEDIUM: Sizes = {
  backfill: { accounts: 20, perAccount: 5_000 },
  small: { accounts: 20, perAccount: 500 },
  naiveRows: 3_000,
  quota: { accounts: 2, perAccount: 500 },
  latencyPerAccount: 1_000,
  fleet: { connections: 40, perAccount: 50 },
};

export interface BenchContext {
  quick: boolean;
  sizes: Sizes;
  adminUrl: string;
  redisUrl: string;
  scratch: string;
  /** The world date every simulator starts at (fixed, so runs are comparable). */
  today: string;
  log: (msg: string) => void;
}

/** The CLI's defaults (src/config/schema.ts): what a user gets without tuning. */
export const DEFAULT_SETTINGS: SyncSettings = { historyMonths: 24, lookbackDays: 14, correctionDays: 30, windowConcurrency: 4, accountConcurrency: 4 };

/** Rate limit off on the simulator means the client's own budget must not bind either. */
export const UNLIMITED_RATE = 10_000;

export function pipelineJob(sb: SandboxProcess, dbUrl: string, c: Connected, extra: Partial<PipelineJob> = {}): PipelineJob {
  return {
    databaseUrl: dbUrl,
    baseUrl: sb.url,
    clientId: sb.clientId,
    clientSecret: sb.clientSecret,
    encryptionKey: c.encryptionKey,
    connectionIds: c.connectionIds,
    today: sb.today,
    settings: DEFAULT_SETTINGS,
    ratePerSecond: UNLIMITED_RATE,
    ...extra,
  };
}

export function lookbackStart(today: string, settings: SyncSettings = DEFAULT_SETTINGS): string {
  return addDays(today, -settings.lookbackDays);
}

export const round = (n: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
