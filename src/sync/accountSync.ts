import pLimit from 'p-limit';
import { SyntheticKeyCounter, splitWindows, type AccessTokenProvider, type CitiAction, type CitiError } from '../citi/index.ts';
import { CountingTokens } from './countingTokens.ts';
import { isoDate } from './dates.ts';
import { syncRange } from './plan.ts';
import {
  advanceWatermarkIfComplete,
  closeWindow,
  forgetWindows,
  openWindows,
  planWindows,
  readSyncState,
  type WindowCheckpoint,
} from './sql/checkpoints.ts';
import { closeInterruptedRuns, finishAccountRun, startRun } from './sql/runs.ts';
import { linkPostedToPendings, markVanishedPendings, upsertTransactionPage } from './sql/transactions.ts';
import { syncStatements } from './statements.ts';
import type { StoredAccount } from './sql/accounts.ts';
import { emptyCounts, type AccountResult, type SyncDeps, type SyncOptions } from './types.ts';
import { nameAndMessage } from '../log/errorText.ts';

export interface AccountSyncInput {
  connectionId: string;
  account: StoredAccount;
  tokens: AccessTokenProvider;
  parentRunId?: string | null;
}

/**
 * Syncs one account: plans (or resumes) its windows, walks each to the end committing every page
 * with its checkpoint, then closes the window (vanished pendings, links) and finally advances the
 * watermark. Never throws for a Citi or data problem: the failure is recorded on the account's run
 * and returned, so one account cannot stop the others.
 */
export async function syncAccount(deps: SyncDeps, input: AccountSyncInput, opts: SyncOptions): Promise<AccountResult> {
  const { db, logger } = deps;
  const { connectionId, account } = input;
  const log = logger.child({ connectionId, accountId: account.accountId });
  const started = Date.now();
  const tokens = new CountingTokens(input.tokens);
  const result: AccountResult = { accountId: account.accountId, status: 'succeeded', requests: 0, pages: 0, ms: 0, ...emptyCounts() };
  // The caller holds this account's lock: a run still marked running died with its process.
  await closeInterruptedRuns(db, connectionId, account.accountId);
  const runId = await startRun(db, { connectionId, accountId: account.accountId, parentId: input.parentRunId, trigger: opts.trigger, jobId: opts.jobId });
  let currentPage: string | undefined;

  try {
    const windows = await windowsToWalk(deps, connectionId, account, opts);
    opts.onProgress?.({ type: 'account-start', connectionId, accountId: account.accountId, windows: windows.length });
    const limit = pLimit(deps.settings.windowConcurrency);
    const controller = new AbortController();
    const abort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      // Windows of one account are independent date ranges: fetching them concurrently hides the
      // API's latency; pages inside a window stay sequential because each cursor depends on the last.
      await Promise.all(
        windows.map((w) =>
          limit(async () => {
            if (controller.signal.aborted) return;
            try {
              await walkWindow(deps, connectionId, account, w, tokens, result, opts, controller.signal, (p) => (currentPage = p));
            } catch (err) {
              controller.abort(err);
              throw err;
            }
          }),
        ),
      );
    } finally {
      opts.signal?.removeEventListener('abort', abort);
    }
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('sync aborted');
    // Once per account, after its windows: posted rows meet the pendings they replaced.
    if (windows.length > 0) await linkPostedToPendings(db, connectionId, account.accountId, windows.reduce((m, w) => (w.from < m ? w.from : m), windows[0]!.from));
    await syncStatements(deps, connectionId, account, tokens, result);
  } catch (err) {
    result.status = 'failed';
    result.error = nameAndMessage(err);
    result.errorPage = (err as Partial<CitiError>).path ?? currentPage;
    result.errorAction = failureAction(err);
    log.warn({ err: { message: result.error, page: result.errorPage } }, 'account sync failed');
  }
  result.requests = tokens.requests;
  result.ms = Date.now() - started;
  await finishAccountRun(db, runId, result);
  opts.onProgress?.({ type: 'account-done', connectionId, accountId: account.accountId, result });
  return result;
}

/** Resumes the windows a crashed run left open; otherwise plans the range this run must cover. */
async function windowsToWalk(deps: SyncDeps, connectionId: string, account: StoredAccount, opts: SyncOptions): Promise<WindowCheckpoint[]> {
  const open = await openWindows(deps.db, connectionId, account.accountId);
  if (open.length > 0 && !opts.full) return open;
  const today = isoDate(deps.now?.() ?? new Date());
  const state = await readSyncState(deps.db, connectionId, account.accountId);
  const range = syncRange({
    today,
    watermark: state.watermark,
    full: opts.full ?? false,
    historyMonths: deps.settings.historyMonths,
    lookbackDays: deps.settings.lookbackDays,
    correctionDays: deps.settings.correctionDays,
  });
  const planned = splitWindows(range.from, range.to, account.accountType, { windowDays: deps.settings.windowDays });
  await deps.db.transaction(async (tx) => {
    if (opts.full) await forgetWindows(tx, connectionId, account.accountId);
    await planWindows(tx, connectionId, account.accountId, planned, range);
  });
  // Newest first: recent data is what users look at, so it lands first on a long backfill.
  return planned.reverse().map((w) => ({ ...w, cursor: null, pages: 0, seenPending: [], keyState: null }));
}

async function walkWindow(
  deps: SyncDeps,
  connectionId: string,
  account: StoredAccount,
  w: WindowCheckpoint,
  tokens: AccessTokenProvider,
  result: AccountResult,
  opts: SyncOptions,
  signal: AbortSignal,
  onPage: (path: string) => void,
): Promise<void> {
  const { db, client } = deps;
  const accountId = account.accountId;
  const keys = w.keyState ? SyntheticKeyCounter.from(w.keyState) : new SyntheticKeyCounter();
  const seenPending = new Set(w.seenPending);
  const pages = client.transactionPages(tokens, { accountId, accountType: account.accountType }, w.from, w.to, {
    startIndex: w.cursor ?? undefined,
    keys,
    signal,
  });
  for await (const page of prefetch(pages)) {
    onPage(page.path);
    const pending = page.rows.filter((r) => r.status === 'pending' && !seenPending.has(r.transactionId)).map((r) => r.transactionId);
    for (const id of pending) seenPending.add(id);
    const last = !page.nextStartIndex;
    const written = !last
      ? {
          ...(await upsertTransactionPage(db, connectionId, accountId, page.rows, {
            window: w,
            cursor: page.nextStartIndex!,
            newPending: pending,
            keyState: keys.isEmpty() ? undefined : keys.toJSON(),
          })),
          removed: 0,
        }
      : await db.transaction(async (tx) => {
          const counts = await upsertTransactionPage(tx, connectionId, accountId, page.rows);
          // The window is complete: only now can absence mean "gone" and can the watermark move.
          const removed = await markVanishedPendings(tx, connectionId, accountId, w, [...seenPending]);
          await closeWindow(tx, connectionId, accountId, w);
          await advanceWatermarkIfComplete(tx, connectionId, accountId);
          return { ...counts, removed };
        });
    result.pages += 1;
    result.inserted += written.inserted;
    result.updated += written.updated;
    result.unchanged += written.unchanged;
    result.restored += written.restored;
    result.removed += written.removed;
    opts.onProgress?.({ type: 'page', connectionId, accountId, rows: page.rows.length, inserted: written.inserted, updated: written.updated });
  }
}

const ACTIONS: ReadonlySet<unknown> = new Set<CitiAction>(['retry', 'refresh', 'skip-account', 'reauth', 'fatal']);

/**
 * What a failure asks of the caller, from the error itself: Citi errors and ConnectionUnusableError
 * carry an `action`; anything else (a database hiccup, an abort) is worth a retry.
 */
export function failureAction(err: unknown): CitiAction {
  const action = (err as { action?: unknown } | null)?.action;
  return ACTIONS.has(action) ? (action as CitiAction) : 'retry';
}

/**
 * Fetches the next page while the current one is written: the API and Postgres then work at the
 * same time instead of taking turns. Pages still reach the caller, and so the database, in order.
 */
async function* prefetch<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = source.next();
      // An error of the prefetched page surfaces when it is awaited, never as an unhandled rejection.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    // Not awaited: a page still in flight would hold the caller until it ends; the caller's abort
    // signal cancels it instead.
    void source.return(undefined).catch(() => undefined);
  }
}
