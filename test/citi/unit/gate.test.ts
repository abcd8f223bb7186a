import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBucketGate } from '../../../src/citi/index.ts';

/** Starts `n` acquires and records the fake-clock time at which each one was granted. */
function acquireMany(gate: TokenBucketGate, n: number, signal?: AbortSignal) {
  const granted: Array<{ i: number; at: number }> = [];
  const promises = Array.from({ length: n }, (_, i) =>
    gate.acquire(signal).then(
      () => void granted.push({ i, at: Date.now() }),
      () => {},
    ),
  );
  return { granted, all: Promise.all(promises) };
}

describe('TokenBucketGate', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst through at once, then paces at the rate', async () => {
    const gate = new TokenBucketGate({ perSecond: 5, burst: 2 });
    const { granted } = acquireMany(gate, 6);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(200);
    expect(granted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(600);
    expect(granted).toHaveLength(6);
    expect(granted.map((g) => g.at - 1_000_000)).toEqual([0, 0, 200, 400, 600, 800]);
  });

  it('serves waiters first come, first served', async () => {
    const gate = new TokenBucketGate({ perSecond: 10, burst: 1 });
    const { granted, all } = acquireMany(gate, 20);
    await vi.advanceTimersByTimeAsync(5000);
    await all;
    expect(granted.map((g) => g.i)).toEqual([...Array(20).keys()]);
  });

  it('never exceeds rate × time + burst over a long run', async () => {
    const gate = new TokenBucketGate({ perSecond: 10, burst: 20 });
    const { granted } = acquireMany(gate, 1000);
    for (let s = 1; s <= 10; s++) {
      await vi.advanceTimersByTimeAsync(1000);
      expect(granted.length).toBeLessThanOrEqual(20 + 10 * s);
      expect(granted.length).toBeGreaterThanOrEqual(20 + 10 * s - 1);
    }
  });

  it('pauseFor blocks every acquire, even with tokens in the bucket', async () => {
    const gate = new TokenBucketGate({ perSecond: 100, burst: 50 });
    gate.pauseFor(1000);
    const { granted } = acquireMany(gate, 5);
    await vi.advanceTimersByTimeAsync(999);
    expect(granted).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted.length).toBeGreaterThan(0);
    expect(Math.min(...granted.map((g) => g.at))).toBeGreaterThanOrEqual(1_001_000);
  });

  it('a pause also holds waiters already queued, empties the bucket, and restarts at the rate', async () => {
    const gate = new TokenBucketGate({ perSecond: 2, burst: 1 });
    const { granted } = acquireMany(gate, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(1);
    gate.pauseFor(2000);
    await vi.advanceTimersByTimeAsync(1999);
    expect(granted).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    // One goes as the pause ends, the next at the steady rate: no burst after a pushback.
    expect(granted).toHaveLength(2);
    expect(granted[1]?.at).toBe(1_002_000);
    await vi.advanceTimersByTimeAsync(499);
    expect(granted).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted[2]?.at).toBe(1_002_500);
  });

  it('a longer pause extends; a shorter one does not shorten', async () => {
    const gate = new TokenBucketGate({ perSecond: 100, burst: 10 });
    gate.pauseFor(1000);
    gate.pauseFor(300);
    const { granted } = acquireMany(gate, 1);
    await vi.advanceTimersByTimeAsync(500);
    expect(granted).toHaveLength(0);
    gate.pauseFor(1500); // until 1_002_000
    await vi.advanceTimersByTimeAsync(1000);
    expect(granted).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(granted.map((g) => g.at)).toEqual([1_002_000]);
  });

  it('an aborted acquire leaves the queue and rejects with the reason', async () => {
    const gate = new TokenBucketGate({ perSecond: 1, burst: 1 });
    await gate.acquire();
    const ac = new AbortController();
    const p = gate.acquire(ac.signal);
    const next = gate.acquire();
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(gate.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(next).resolves.toBeUndefined();
    await expect(gate.acquire(ac.signal)).rejects.toThrow('stop');
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucketGate({ perSecond: 0 })).toThrow(RangeError);
    expect(() => new TokenBucketGate({ perSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
