import { describe, expect, it } from 'vitest';
import { syncRange } from '../../src/sync/plan.ts';

const base = { historyMonths: 24, lookbackDays: 14, correctionDays: 30, full: false };

describe('syncRange', () => {
  it('walks the whole history the first time and with --full', () => {
    expect(syncRange({ ...base, today: '2026-11-25', watermark: null })).toEqual({ from: '2024-11-26', to: '2026-11-25' });
    expect(syncRange({ ...base, today: '2026-11-25', watermark: '2026-11-25', full: true })).toEqual({ from: '2024-11-26', to: '2026-11-25' });
  });

  it('looks back the everyday lookback when the day already had a sync', () => {
    expect(syncRange({ ...base, today: '2026-11-25', watermark: '2026-11-25' })).toEqual({ from: '2026-11-11', to: '2026-11-25' });
  });

  it('looks back far enough for in-place corrections on the first sync of a day', () => {
    expect(syncRange({ ...base, today: '2026-11-25', watermark: '2026-11-24' })).toEqual({ from: '2026-10-25', to: '2026-11-25' });
    // Off: the everyday lookback only.
    expect(syncRange({ ...base, correctionDays: 0, today: '2026-11-25', watermark: '2026-11-24' })).toEqual({ from: '2026-11-10', to: '2026-11-25' });
  });
});
