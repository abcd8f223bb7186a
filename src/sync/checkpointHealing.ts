import type { StoredAccount } from './sql/accounts.ts';
import { discardWindows, openWindows, restartWindow, type WindowCheckpoint } from './sql/checkpoints.ts';
import { fromFirstPage, isRejectedCursor, judgeCheckpoints } from './checkpointBounds.ts';
import type { CitiClient } from '../citi/index.ts';
import { historyMonthsFor } from './market.ts';
import type { SyncDeps } from './types.ts';

/**
 * Applies checkpointBounds.ts to an account's sync (issue 10 item 13): the open windows it may
 * resume, and one restart from the first page when Citi rejects a resumed cursor.
 */

/** The account's open windows that may still be resumed; stale ones are restarted or dropped first. */
export async function resumableWindows(deps: SyncDeps, client: CitiClient, connectionId: string, account: StoredAccount): Promise<WindowCheckpoint[]> {
  const open = await openWindows(deps.db, connectionId, account.accountId);
  if (open.length === 0) return open;
  const log = deps.logger.child({ connectionId, accountId: account.accountId });
  // The plan's calendar is the sync's (deps.now: the simulator's world in tests); a checkpoint's age is
  // measured on the clock that stamped it (the database's, real time).
  const today = client.today(deps.now?.() ?? new Date());
  const verdict = judgeCheckpoints(open, {
    today,
    windowRule: client.windowLimit(account.accountType),
    historyMonths: historyMonthsFor(deps, client),
    now: new Date(),
  });
  if (verdict.replan) {
    log.warn({ windows: open.map((w) => `${w.from}..${w.to}`) }, 'checkpointed windows no longer fit the plan; discarding them and planning again');
    await discardWindows(deps.db, connectionId, account.accountId);
    return [];
  }
  for (const w of verdict.expired) {
    log.warn({ window: `${w.from}..${w.to}`, checkpointedAt: w.updatedAt?.toISOString() }, 'checkpoint too old to resume; restarting the window from its first page');
    await restartWindow(deps.db, connectionId, account.accountId, w);
  }
  const expired = new Set(verdict.expired);
  return open.map((w) => (expired.has(w) ? fromFirstPage(w) : w));
}

/**
 * Walks a window; when it resumed at a cursor and Citi answers the very first request with a 400,
 * the checkpoint is discarded and the window walked once more from its first page. Any other failure,
 * or a second rejection, is the window's failure as before.
 */
export async function walkOrRestart(
  deps: SyncDeps,
  connectionId: string,
  accountId: string,
  w: WindowCheckpoint,
  walk: (w: WindowCheckpoint, onPage: () => void) => Promise<void>,
): Promise<void> {
  let pages = 0;
  try {
    await walk(w, () => pages++);
  } catch (err) {
    if (w.cursor === null || pages > 0 || !isRejectedCursor(err)) throw err;
    deps.logger
      .child({ connectionId, accountId })
      .warn(
        { window: `${w.from}..${w.to}`, err: { message: err instanceof Error ? err.message : String(err) } },
        'Citi rejected the checkpointed cursor; discarding it and restarting the window from its first page',
      );
    await restartWindow(deps.db, connectionId, accountId, w);
    await walk(fromFirstPage(w), () => undefined);
  }
}
