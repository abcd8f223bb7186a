import type { Cluster, Redis } from 'ioredis';
import { MAX_TIMER_MS, MIN_REQUESTS_PER_SECOND, type RequestGate } from '../citi/gate.ts';
import { prefixedKey } from './names.ts';

export interface RedisGateOptions {
  /** Queue prefix; the gate's keys live under its hash tag (one cluster slot). */
  prefix: string;
  /** Sustained requests per second for the whole fleet (CITI_MAX_REQUESTS_PER_SECOND). */
  ratePerSecond: number;
  /** @defaultValue max(1, ceil(ratePerSecond)) */
  burst?: number;
  /**
   * Longest single sleep between tries; waiters re-ask Redis at least this often, so a pause set by
   * another process is noticed and a lost wake-up costs little.
   * @defaultValue 250
   */
  maxSleepMs?: number;
  /**
   * Longest shared pause ever set, whoever asks: the pause key in Redis never outlives it, so a
   * hostile Retry-After cannot stop the fleet across restarts. @defaultValue 300000 (CITI_MAX_RETRY_AFTER_S)
   */
  maxPauseMs?: number;
}

/**
 * Takes one token, or says how long to wait. Time comes from Redis (TIME), never from the callers,
 * so processes with skewed clocks share one bucket fairly. A pause (a 429's Retry-After) blocks every
 * caller until it ends, and leaves the bucket empty: after a 429 the fleet resumes at the steady
 * rate, not with a burst.
 *
 * KEYS[1] bucket hash {tokens, ts}; KEYS[2] paused-until (ms, with a PX expiry)
 * ARGV[1] rate per second; ARGV[2] burst; ARGV[3] longest pause (ms): a pause key set further out (by
 * an older version, or by hand) is cut back to it, so no stored pause outlives the cap.
 * Returns 0 when a token was taken, else the milliseconds to wait.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
local maxPause = tonumber(ARGV[3])
if paused > now + maxPause then
  paused = now + maxPause
  redis.call('SET', KEYS[2], tostring(paused), 'PX', maxPause)
end
if paused > now then return paused - now end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
  ts = now
end
local ttl = math.ceil(burst / rate * 1000) + 60000
if tokens >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'ts', tostring(ts))
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 0
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], ttl)
return math.max(1, math.ceil((1 - tokens) * 1000 / rate))
`;

/**
 * Extends the shared pause to now + ms; a shorter pause never shortens a longer one.
 * KEYS[1] bucket; KEYS[2] paused-until. ARGV[1] ms. Returns the pause's end (Redis ms).
 */
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = tonumber(ARGV[1])
local untilMs = now + ms
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if untilMs <= current then return current end
redis.call('SET', KEYS[2], tostring(untilMs), 'PX', ms)
redis.call('HSET', KEYS[1], 'tokens', '0', 'ts', tostring(untilMs))
redis.call('PEXPIRE', KEYS[1], ms + 60000)
return untilMs
`;

type GateRedis = (Redis | Cluster) & {
  citiGateAcquire(bucket: string, paused: string, rate: number, burst: number, maxPauseMs: number): Promise<number>;
  citiGatePause(bucket: string, paused: string, ms: number): Promise<number>;
};

/**
 * The Citi request budget shared by every worker process: a token bucket in Redis, plus a shared
 * "paused until" key that a 429 sets for the whole fleet. Implements the client's RequestGate, so
 * `CITI_MAX_REQUESTS_PER_SECOND` holds across processes, not per process.
 */
export class RedisGate implements RequestGate {
  private readonly redis: GateRedis;
  private readonly bucketKey: string;
  private readonly pauseKey: string;
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxSleepMs: number;
  private readonly maxPauseMs: number;
  /** This process's copy of the pause, so callers here stop at once, before Redis has answered. */
  private localPausedUntil = 0;

  constructor(redis: Redis | Cluster, opts: RedisGateOptions) {
    if (!(opts.ratePerSecond >= MIN_REQUESTS_PER_SECOND) || !Number.isFinite(opts.ratePerSecond)) {
      throw new RangeError(`ratePerSecond must be a number >= ${MIN_REQUESTS_PER_SECOND}, got ${opts.ratePerSecond}`);
    }
    const burst = opts.burst ?? Math.max(1, Math.ceil(opts.ratePerSecond));
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be a positive integer, got ${burst}`);
    this.rate = opts.ratePerSecond;
    this.burst = burst;
    this.maxSleepMs = Math.min(MAX_TIMER_MS, Math.max(1, opts.maxSleepMs ?? 250));
    this.maxPauseMs = opts.maxPauseMs ?? 300_000;
    this.bucketKey = prefixedKey(opts.prefix, 'gate', 'bucket');
    this.pauseKey = prefixedKey(opts.prefix, 'gate', 'paused-until');
    const r = redis as GateRedis;
    if (typeof r.citiGateAcquire !== 'function') r.defineCommand('citiGateAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    if (typeof r.citiGatePause !== 'function') r.defineCommand('citiGatePause', { numberOfKeys: 2, lua: PAUSE });
    this.redis = r;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const local = this.localPausedUntil - Date.now();
      if (local > 0) {
        await sleep(Math.min(local, this.maxSleepMs), signal);
        continue;
      }
      const wait = Number(await this.redis.citiGateAcquire(this.bucketKey, this.pauseKey, this.rate, this.burst, this.maxPauseMs));
      if (wait <= 0) return;
      // A little jitter, so waiters of many processes do not all ask again in the same millisecond.
      await sleep(Math.min(wait, this.maxSleepMs) + Math.floor(Math.random() * Math.min(10, wait)), signal);
    }
  }

  async pauseFor(ms: number): Promise<void> {
    if (!(ms > 0)) return;
    const ceil = Math.ceil(Math.min(ms, this.maxPauseMs));
    this.localPausedUntil = Math.max(this.localPausedUntil, Date.now() + ceil);
    await this.redis.citiGatePause(this.bucketKey, this.pauseKey, ceil);
  }

  /** Milliseconds left of the shared pause (0 when none); for status and tests. */
  async pausedForMs(): Promise<number> {
    const ttl = await this.redis.pttl(this.pauseKey);
    return ttl > 0 ? ttl : 0;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
