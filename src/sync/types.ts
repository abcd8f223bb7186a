import type { CitiAction, CitiClient } from '../citi/index.ts';
import type { Database } from '../db/database.ts';
import type { TokenCipher } from '../auth/crypto.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchSettings } from './transactionWriter.ts';
import type { PageBudget } from './pageBudget.ts';
import type { RunNotifier } from '../notify/afterRunClosed.ts';
import type { SyncRunStatus, SyncTrigger } from '../db/statuses.ts';
import type { ClosedRun } from './connectionRun.ts';

/**
 * Terminology
 * - connection: one person's consent (a Citi grant), with its encrypted tokens.
 * - window: a date range [from, to] of one account's transactions, within the API's limit for the
 *   account type; a sync walks each window's pages to the end.
 * - checkpoint: the cursor (nextStartIndex) of a window in progress, committed with each page, so a
 *   killed sync resumes where it stopped.
 * - watermark: the last date of an account whose history is known complete; the next sync starts
 *   `lookbackDays` before it, to catch late postings and rows skipped by live offsets.
 */
export interface SyncDeps {
  db: Database;
  client: CitiClient;
  cipher: TokenCipher;
  logger: Logger;
  settings: SyncSettings;
  /** The current time; tests pass the simulator's world clock. */
  now?: () => Date;
  /** How pages are grouped into write transactions. @defaultValue DEFAULT_BATCH (src/sync/transactionWriter.ts) */
  batch?: BatchSettings;
  /**
   * The bound on fetched pages not yet committed, shared by every account synced at once.
   * @defaultValue one PageBudget per CitiClient, PAGE_BUDGET_CHARS_PER_ACCOUNT × accountConcurrency (src/sync/pageBudget.ts)
   */
  pageBudget?: PageBudget;
  /**
   * Where webhook events go; kept here so the process can flush it before exiting. It hears of runs
   * only through `onConnectionRunClosed` (wired by `runClosedHook`, src/notify/afterRunClosed.ts).
   */
  notifier?: RunNotifier | undefined;
  /**
   * Called once after every connection run closes (in-process and worker alike), with its outcome,
   * by closeConnectionRun. Errors are logged, never change the run. The place for notifications.
   */
  onConnectionRunClosed?: (run: ClosedRun) => void | Promise<void>;
}

export interface SyncSettings {
  /**
   * How far back a first sync goes, capped at the market's limit (US 24 months, Asia-Pacific 12) with
   * a one-line warning; `Infinity` (CITI_HISTORY_MONTHS unset) means as far as the market allows.
   */
  historyMonths: number;
  lookbackDays: number;
  /** Once a day, look back this far instead (in-place corrections within 30 days); 0: never. */
  correctionDays?: number | undefined;
  /** Split windows smaller than the API's limit so they can be fetched concurrently. */
  windowDays?: number | undefined;
  windowConcurrency: number;
  accountConcurrency: number;
}

export type { SyncTrigger };

/** How a connection run ends ('running' until then; 'skipped' is for accounts only). */
export type ConnectionRunStatus = Extract<SyncRunStatus, 'succeeded' | 'partial' | 'failed'>;

export interface SyncOptions {
  trigger: SyncTrigger;
  /** Ignore the watermark and walk the whole history again. */
  full?: boolean;
  jobId?: string;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { type: 'accounts'; connectionId: string; count: number }
  | { type: 'account-start'; connectionId: string; accountId: string; windows: number }
  | { type: 'page'; connectionId: string; accountId: string; rows: number; inserted: number; updated: number }
  | { type: 'account-done'; connectionId: string; accountId: string; result: AccountResult };

export interface RowCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  restored: number;
}

export interface AccountResult extends RowCounts {
  accountId: string;
  status: Extract<SyncRunStatus, 'succeeded' | 'failed' | 'skipped'>;
  requests: number;
  pages: number;
  ms: number;
  error?: string;
  errorPage?: string;
  /** What the run noticed without failing (stored on its run record), e.g. statements not offered. */
  warnings?: string[];
  /**
   * What the failure asks of the caller: the thrown error's own `action` (see failureAction in
   * accountSync.ts). The queue decides retry or give-up from this, never from the message.
   */
  errorAction?: CitiAction;
}

export interface ConnectionResult {
  connectionId: string;
  runId: string;
  status: ConnectionRunStatus | 'skipped';
  accounts: AccountResult[];
  error?: string;
  ms: number;
}

export const emptyCounts = (): RowCounts => ({ inserted: 0, updated: 0, unchanged: 0, removed: 0, restored: 0 });
