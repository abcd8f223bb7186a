import { describe, expect, it } from 'vitest';
import { formatEvery, IntervalError, parseInterval, repeatFor } from '../../src/queue/interval.ts';
import { accountJobId, prefixedKey, stableBucket } from '../../src/queue/names.ts';

describe('parseInterval', () => {
  it('reads durations and five-field cron expressions', () => {
    expect(parseInterval('30s')).toEqual({ kind: 'every', ms: 30_000, text: '30s' });
    expect(parseInterval('15m')).toMatchObject({ kind: 'every', ms: 900_000 });
    expect(parseInterval(' 6h ')).toMatchObject({ kind: 'every', ms: 21_600_000 });
    expect(parseInterval('*/15 * * * *')).toMatchObject({ kind: 'cron', pattern: '*/15 * * * *' });
    expect(parseInterval('0 2,14 1-15 JAN-JUN mon-fri')).toMatchObject({ kind: 'cron' });
  });

  it.each(['', '5', '5x', '0s', '32d', '* * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', '*/0 * * * *', '5-1 * * * *', 'a b c d e', '* * * * * *'])(
    'rejects %j with one readable line',
    (text) => {
      expect(() => parseInterval(text)).toThrow(IntervalError);
    },
  );

  it.each(['0 0 31 2 *', '0 0 30 2 *', '0 0 31 4,6 *'])('rejects %j: every field is valid but it never fires', (text) => {
    expect(() => parseInterval(text)).toThrow(new IntervalError(`cron "${text}" never fires (${text === '0 0 31 4,6 *' ? 'Invalid expression, loop limit exceeded' : 'Invalid explicit day of month definition'})`));
    // 29 February does come round.
    expect(parseInterval('0 0 29 2 *')).toMatchObject({ kind: 'cron' });
  });
});

describe('jitter', () => {
  it('spreads connections over the period, the same way every time', () => {
    const offsets = Array.from({ length: 1000 }, (_, i) => (repeatFor(`c${i}`, parseInterval('15m')) as { offset: number }).offset);
    expect(offsets.every((o) => o >= 0 && o < 900_000)).toBe(true);
    // 1000 connections over 900 one-second buckets: no second gets a crowd.
    const perSecond = new Map<number, number>();
    for (const o of offsets) perSecond.set(Math.floor(o / 1000), (perSecond.get(Math.floor(o / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(8);
    expect(repeatFor('c1', parseInterval('15m'))).toEqual(repeatFor('c1', parseInterval('15m')));
    expect(stableBucket('x', 1)).toBe(0);
  });

  it('gives cron schedules a per-connection second', () => {
    const r = repeatFor('abc', parseInterval('0 */6 * * *'));
    expect(r).toEqual({ pattern: `${stableBucket('abc', 60)} 0 */6 * * *`, tz: 'UTC' });
  });
});

describe('names', () => {
  it('keeps every key under one hash tag and job ids free of colons', () => {
    expect(prefixedKey('{citi-sync}', 'gate', 'bucket')).toBe('{citi-sync}:gate:bucket');
    expect(prefixedKey('citi', 'gate')).toBe('{citi}:gate');
    expect(accountJobId('17', 'acct:with:colons')).toMatch(/^17\.[0-9a-f]{16}$/);
    expect(formatEvery(90_000)).toBe('1m30s');
  });
});
