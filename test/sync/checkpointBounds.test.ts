import { describe, expect, it } from 'vitest';
import { AccountUnavailableError, RetryLaterError } from '../../src/citi/index.ts';
import { CHECKPOINT_MAX_AGE_HOURS, fromFirstPage, isRejectedCursor, judgeCheckpoints } from '../../src/sync/checkpointBounds.ts';
import type { WindowCheckpoint } from '../../src/sync/sql/checkpoints.ts';

/** Issue 10 item 13: a checkpoint never outlives its window's bounds and age (pure). */

const now = new Date('2026-11-25T12:00:00Z');
const ctx = { today: '2026-11-25', windowRule: 'creditCard', historyMonths: 24, now };
const win = (from: string, to: string, over: Partial<WindowCheckpoint> = {}): WindowCheckpoint => ({
  from,
  to,
  cursor: 'c',
  pages: 3,
  seenPending: ['p'],
  keyState: { k: 1 },
  updatedAt: new Date(now.getTime() - 3_600_000),
  ...over,
});

describe('judgeCheckpoints', () => {
  it('fresh windows inside the plan are resumed as they are', () => {
    expect(judgeCheckpoints([win('2026-09-01', '2026-11-25')], ctx)).toEqual({ replan: false, expired: [] });
  });
  it(`a cursor older than ${CHECKPOINT_MAX_AGE_HOURS} h restarts its window`, () => {
    const old = win('2026-09-01', '2026-11-25', { updatedAt: new Date(now.getTime() - (CHECKPOINT_MAX_AGE_HOURS * 3_600_000 + 1)) });
    const fresh = win('2026-07-01', '2026-08-31');
    expect(judgeCheckpoints([old, fresh], ctx)).toEqual({ replan: false, expired: [old] });
    expect(fromFirstPage(old)).toEqual({ ...old, cursor: null, pages: 0, seenPending: [], keyState: null });
  });
  it('a window without a cursor has nothing to expire', () => {
    const w = win('2026-09-01', '2026-11-25', { cursor: null, updatedAt: new Date(0) });
    expect(judgeCheckpoints([w], ctx).expired).toEqual([]);
  });
  it.each([
    ['longer than a card window may be', '2026-01-01', '2026-11-25'],
    ['in the future', '2026-11-20', '2026-11-30'],
    ['before the history', '2023-01-01', '2023-02-01'],
    ['from after to', '2026-11-20', '2026-11-10'],
  ])('a window %s: re-plan', (_why, from, to) => {
    expect(judgeCheckpoints([win('2026-09-01', '2026-11-25'), win(from, to)], ctx)).toEqual({ replan: true, expired: [] });
  });
});

describe('isRejectedCursor', () => {
  it('only a 400 that skips the account', () => {
    expect(isRejectedCursor(new AccountUnavailableError('x', { path: '/p', status: 400 }))).toBe(true);
    expect(isRejectedCursor(new AccountUnavailableError('x', { path: '/p', status: 404 }))).toBe(false);
    expect(isRejectedCursor(new RetryLaterError('x', { path: '/p', status: 503 }))).toBe(false);
    expect(isRejectedCursor(new Error('x'))).toBe(false);
  });
});
