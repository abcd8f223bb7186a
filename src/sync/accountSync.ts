import pLimit from 'p-limit';
import { SyntheticKeyCounter, splitWindows, type AccessTokenProvider, type CitiAction, type CitiClient, type CitiError, type TransactionPage } from '../citi/index.ts';
import { encodeRows } from './copyRows.ts';
import { resumableWindows, walkOrRestart } from './checkpointHealing.ts';
import { CountingTokens } from './countingTokens.ts';
import { historyMonthsFor, marketClient } from './market.ts';
import { syncRange } from './plan.ts';
import { forgetWindows, planWindows, readSyncState, type WindowCheckpoint } from './sql/checkpoints.ts';
import { addRunWarnings, closeInterruptedRuns, finishAccountRun, startRun } from './sql/runs.ts';
import { linkPostedToPendings } from './sql/transactions.ts';
import { PageQueue } from './pageQueue.ts';
import { pageBudgetFor, type PageBudgetShare } from './pageBudget.ts';
import { DEFAULT_BATCH, drainPages, pageWeight, type FetchedPage } from './transactionWriter.ts';
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
  let share: PageBudgetShare | undefined;

  try {
    // The connection's market decides the dialect: paths, windows, the bank's date, statements.
    const client = await marketClient(deps, connectionId);
    const windows = await windowsToWalk(deps, client, connectionId, account, opts);
    opts.onProgress?.({ type: 'account-start', connectionId, accountId: account.accountId, windows: windows.length });
    const batch = deps.batch ?? DEFAULT_BATCH;
    // Fetch and write overlap: the walks hand pages to this account's writer through a bounded
    // queue, so the API and Postgres work at once and memory stays bounded when one side is slower.
    const queue = new PageQueue<FetchedPage>(batch.maxRows);
    // ...and the pages of every account this process syncs share one bound (pageBudget.ts).
    share = pageBudgetFor(deps.client, deps.settings.accountConcurrency, deps.pageBudget).account();
    const held = share;
    const controller = new AbortController();
    const writer = drainPages(db, connectionId, account.accountId, queue, batch, (b) => {
      held.give(b.pages.reduce((n, p) => n + p.rows.text.length, 0));
      for (const c of ['inserted', 'updated', 'unchanged', 'restored', 'removed'] as const) result[c] += b[c];
      b.pages.forEach((p, i) => {
        result.pages += 1;
        const last = i === b.pages.length - 1;
        opts.onProgress?.({ type: 'page', connectionId, accountId: account.accountId, rows: p.rows.ids.length, inserted: last ? b.inserted : 0, updated: last ? b.updated : 0 });
      });
    });
    // A failed batch rejects the queue (a walk waiting to hand over stops) and cancels the requests.
    writer.catch((err: unknown) => controller.abort(err));
    const limit = pLimit(deps.settings.windowConcurrency);
    const abort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', abort, { once: true });
    let walkError: { err: unknown } | undefined;
    try {
      // Windows of one account are independent date ranges: fetching them concurrently hides the
      // API's latency; pages inside a window stay sequential because each cursor depends on the last.
      await Promise.all(
        windows.map((w) =>
          limit(async () => {
            if (controller.signal.aborted) return;
            try {
              // issue 10 item 13 (checkpointHealing.ts): a rejected resumed cursor restarts the window once.
              await walkOrRestart(deps, connectionId, account.accountId, w, (win, onFirstPages) =>
                walkWindow(client, account, win, tokens, queue, held, controller.signal, (p) => {
                  onFirstPages();
                  currentPage = p;
                }),
              );
            } catch (err) {
              walkError ??= { err };
              controller.abort(err);
            }
          }),
        ),
      );
    } finally {
      opts.signal?.removeEventListener('abort', abort);
      // The pages fetched before a walk failed (or the sync was stopped) are still committed.
      queue.close();
    }
    await writer;
    if (walkError) throw walkError.err;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('sync aborted');
    // Once per account, after its windows: posted rows meet the pendings they replaced.
    if (windows.length > 0) await linkPostedToPendings(db, connectionId, account.accountId, windows.reduce((m, w) => (w.from < m ? w.from : m), windows[0]!.from));
    await syncStatements(deps, client, connectionId, account, tokens, result);
  } catch (err) {
    result.status = 'failed';
    result.error = nameAndMessage(err);
    result.errorPage = (err as Partial<CitiError>).path ?? currentPage;
    result.errorAction = failureAction(err);
    log.warn({ err: { message: result.error, page: result.errorPage } }, 'account sync failed');
  } finally {
    // Pages a failed batch or walk left uncommitted are dropped: the other accounts get their room back.
    share?.close();
  }
  result.requests = tokens.requests;
  result.ms = Date.now() - started;
  await finishAccountRun(db, runId, result);
  await addRunWarnings(db, runId, result.warnings ?? []);
  opts.onProgress?.({ type: 'account-done', connectionId, accountId: account.accountId, result });
  return result;
}

/** Resumes the windows a crashed run left open; otherwise plans the range this run must cover. */
async function windowsToWalk(deps: SyncDeps, client: CitiClient, connectionId: string, account: StoredAccount, opts: SyncOptions): Promise<WindowCheckpoint[]> {
  // issue 10 item 13 (checkpointHealing.ts): checkpoints past their bounds or age are not resumed.
  const open = await resumableWindows(deps, client, connectionId, account);
  if (open.length > 0 && !opts.full) return open;
  // The bank's current date in its own time zone: a window ending on UTC's date can be "tomorrow" there.
  const today = client.today(deps.now?.() ?? new Date());
  const state = await readSyncState(deps.db, connectionId, account.accountId);
  const range = syncRange({
    today,
    watermark: state.watermark,
    full: opts.full ?? false,
    historyMonths: historyMonthsFor(deps, client),
    lookbackDays: deps.settings.lookbackDays,
    correctionDays: deps.settings.correctionDays,
  });
  const planned = splitWindows(range.from, range.to, client.windowLimit(account.accountType), { windowDays: deps.settings.windowDays ?? client.defaultWindowDays() });
  await deps.db.transaction(async (tx) => {
    if (opts.full) await forgetWindows(tx, connectionId, account.accountId);
    await planWindows(tx, connectionId, account.accountId, planned, range);
  });
  // Newest first: recent data is what users look at, so it lands first on a long backfill.
  return planned.reverse().map((w) => ({ ...w, cursor: null, pages: 0, seenPending: [], keyState: null }));
}

/** Walks one window to its last page, handing each page (with its checkpoint) to the writer. */
async function walkWindow(
  client: CitiClient,
  account: StoredAccount,
  w: WindowCheckpoint,
  tokens: AccessTokenProvider,
  queue: PageQueue<FetchedPage>,
  budget: PageBudgetShare,
  signal: AbortSignal,
  onPage: (path: string) => void,
): Promise<void> {
  const keys = w.keyState ? SyntheticKeyCounter.from(w.keyState) : new SyntheticKeyCounter();
  const seenPending = new Set(w.seenPending);
  const pages = client.transactionPages(tokens, { accountId: account.accountId, accountType: account.accountType, currencyCode: account.currencyCode }, w.from, w.to, {
    startIndex: w.cursor ?? undefined,
    keys,
    signal,
  });
  // Room is reserved before each request (the for-await's next() sends it), never while a page waits.
  let reserved = await budget.reserve(signal);
  try {
    for await (const page of pages) {
      onPage(page.path);
      const fetched = handOver(page, w, keys, seenPending);
      budget.arrived(reserved, fetched.rows.text.length);
      reserved = 0;
      await queue.put(fetched, pageWeight(fetched.rows));
      if (fetched.nextStartIndex !== null) reserved = await budget.reserve(signal);
    }
  } finally {
    // An empty window (no page at all) never needed what was reserved for it, nor did a request that
    // failed: a rejected cursor restarts the window in the same account (checkpointHealing.ts), and
    // room left reserved here was held until the account ended, so the restarted walk could wait
    // forever for room its own account held.
    budget.give(reserved);
  }
}

/**
 * A fetched page as the writer takes it: its rows encoded (copyRows.ts) and moved out of the page.
 * Moved, not copied: the client's paging generators hold the page they yielded until the next one is
 * asked for, so rows left in it would stay in memory, parsed, with their raw payloads, for as long
 * as the walk waits for room in the queue.
 */
function handOver(page: TransactionPage, w: WindowCheckpoint, keys: SyntheticKeyCounter, seenPending: Set<string>): FetchedPage {
  const rows = page.rows.splice(0);
  const newPending: string[] = [];
  for (const r of rows) {
    if (r.status === 'pending' && !seenPending.has(r.transactionId)) {
      seenPending.add(r.transactionId);
      newPending.push(r.transactionId);
    }
  }
  const last = !page.nextStartIndex;
  // The counters are read before the next page is requested: the checkpoint must hold exactly the
  // state after this page, or a resumed window would number its next rows differently.
  return {
    window: { from: w.from, to: w.to },
    rows: encodeRows(rows),
    nextStartIndex: last ? null : page.nextStartIndex,
    newPending,
    keyState: keys.isEmpty() ? undefined : keys.toJSON(),
    ...(last ? { seenPending: [...seenPending] } : {}),
  };
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
