import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/queue/redis.ts';
import { RedisGate } from '../../src/queue/redisGate.ts';
import { randomQueuePrefix, testRedisUrl } from '../helpers/redis.ts';

describe('RedisGate', () => {
  let a: Redis;
  let b: Redis;
  let prefix: string;

  beforeEach(() => {
    a = connectRedis(testRedisUrl());
    b = connectRedis(testRedisUrl());
    prefix = randomQueuePrefix('gate');
  });
  afterEach(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  it('holds one rate across two gates (two processes)', async () => {
    const opts = { prefix, ratePerSecond: 50, burst: 5 };
    const gates = [new RedisGate(a, opts), new RedisGate(b, opts)];
    const started = Date.now();
    const times: number[] = [];
    // 105 requests: 5 of burst, then 100 at 50/s => about 2 s however they are split.
    await Promise.all(
      Array.from({ length: 105 }, async (_, i) => {
        await gates[i % 2]!.acquire();
        times.push(Date.now() - started);
      }),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(3500);
    // No one-second span holds more than rate + burst grants.
    times.sort((x, y) => x - y);
    for (let i = 0; i < times.length; i++) {
      const inSecond = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length;
      expect(inSecond).toBeLessThanOrEqual(56);
    }
  });

  it('a pause set through one gate stops both, and a shorter pause never shortens it', async () => {
    const opts = { prefix, ratePerSecond: 1000, burst: 100 };
    const one = new RedisGate(a, opts);
    const two = new RedisGate(b, opts);
    await one.acquire();
    await one.pauseFor(800);
    await two.pauseFor(100);
    expect(await two.pausedForMs()).toBeGreaterThan(600);
    const started = Date.now();
    await Promise.all([one.acquire(), two.acquire()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('after a pause the bucket starts empty: the fleet resumes at the rate, not with a burst', async () => {
    const gate = new RedisGate(a, { prefix, ratePerSecond: 100, burst: 100 });
    await gate.pauseFor(200);
    while ((await gate.pausedForMs()) > 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    // With a full bucket these 40 would pass at once; from empty they take about 400 ms at 100/s
    // (the bound leaves room for tokens that accrue while this loop notices the pause ended).
    await Promise.all(Array.from({ length: 40 }, () => gate.acquire()));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('an aborted wait rejects with the signal reason', async () => {
    const gate = new RedisGate(a, { prefix, ratePerSecond: 1, burst: 1 });
    await gate.acquire();
    const ctl = new AbortController();
    const p = gate.acquire(ctl.signal);
    setTimeout(() => ctl.abort(new Error('stop')), 50);
    await expect(p).rejects.toThrow('stop');
  });

  it('a ten-year pause never outlives the cap in Redis (issue 10 item 3)', async () => {
    const gate = new RedisGate(a, { prefix, ratePerSecond: 100, burst: 10, maxPauseMs: 2000 });
    await gate.pauseFor(315_360_000_000);
    const left = await gate.pausedForMs();
    expect(left).toBeGreaterThan(1500);
    expect(left).toBeLessThanOrEqual(2000);
    const key = (await a.keys(`*${prefix}*paused-until*`))[0]!;
    expect(await a.pttl(key)).toBeLessThanOrEqual(2000);
  });

  it('a pause key already set years out (older version, by hand) is cut back to the cap at the next acquire', async () => {
    const gate = new RedisGate(a, { prefix, ratePerSecond: 100, burst: 10, maxPauseMs: 300 });
    await gate.pauseFor(100);
    const key = (await a.keys(`*${prefix}*paused-until*`))[0]!;
    const [sec] = await a.time();
    await a.set(key, String(Number(sec) * 1000 + 315_360_000_000), 'PX', 315_360_000_000);
    const started = Date.now();
    await gate.acquire();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await gate.pausedForMs()).toBe(0);
  });
});
