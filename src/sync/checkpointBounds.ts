import { AccountUnavailableError, isWindowAllowed, type WindowRule } from '../citi/index.ts';
import { addDays, subtractMonths } from './dates.ts';
import type { WindowCheckpoint } from './sql/checkpoints.ts';

/**
 * How long a checkpoint lives, and when a resumed one is given up (issue 10 item 13). A stored cursor
 * is Citi's, opaque, and only good for a while: one the bank no longer accepts, or one left by a
 * pass that a hostile upstream led astray, must not fail the account on every sync forever.
 * Pure: accountSync applies the verdicts.
 */

/**
 * A window's cursor older than this is not resumed: the window restarts from its first page. Citi
 * documents no cursor lifetime; a day is longer than any sync and short enough that a crashed run's
 * cursor does not haunt the next day's.
 */
export const CHECKPOINT_MAX_AGE_HOURS = 24;

export interface CheckpointVerdict {
  /** The open windows no longer fit any plan (bounds broken, outside the history, in the future): re-plan. */
  replan: boolean;
  /** Windows whose cursor is too old: walked again from their first page. */
  expired: WindowCheckpoint[];
}

export function judgeCheckpoints(
  open: WindowCheckpoint[],
  ctx: { today: string; windowRule: WindowRule; historyMonths: number; now: Date },
): CheckpointVerdict {
  const historyStart = addDays(subtractMonths(ctx.today, ctx.historyMonths), 1);
  const replan = open.some((w) => !isWindowAllowed(w.from, w.to, ctx.windowRule) || w.to > ctx.today || w.to < historyStart);
  const maxAgeMs = CHECKPOINT_MAX_AGE_HOURS * 3_600_000;
  const expired = replan
    ? []
    : open.filter((w) => w.cursor !== null && w.updatedAt !== undefined && ctx.now.getTime() - w.updatedAt.getTime() > maxAgeMs);
  return { replan, expired };
}

/** Citi refused the cursor a window resumed at (400): the checkpoint is poisoned, not the account. */
export function isRejectedCursor(err: unknown): boolean {
  return err instanceof AccountUnavailableError && err.status === 400;
}

/** The same window, to be walked from its first page. */
export function fromFirstPage(w: WindowCheckpoint): WindowCheckpoint {
  return { ...w, cursor: null, pages: 0, seenPending: [], keyState: null };
}
