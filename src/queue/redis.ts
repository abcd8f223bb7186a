import type * as IORedis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { redactUrl } from '../log/redactUrl.ts';
import { requireCommonJs } from '../commonJs.ts';

// Through require: see src/commonJs.ts (status and doctor load ioredis).
const { Redis } = requireCommonJs('ioredis') as typeof IORedis;
type Redis = IORedis.Redis;

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ requires of the
 * connections its workers block on: a command waits for Redis to come back instead of failing the
 * worker's loop.
 */
export function connectRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, connectionName: 'citi-sync', ...extra });
}

/**
 * A connection for a command that must not hang when Redis is down (status, schedule): one try, a
 * short connect timeout, no reconnect loop.
 */
export async function tryConnectRedis(url: string, timeoutMs = 2000): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectionName: 'citi-sync-cli',
  });
  // The socket's own error (ECONNREFUSED…) says more than connect()'s "Connection is closed".
  let socketError: Error | undefined;
  redis.on('error', (err: Error) => (socketError ??= err));
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new RedisUnavailableError(url, { cause: socketError ?? err });
  }
}

/** Redis did not answer: worker-mode features (schedules, job lists) are unavailable until it does. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
  /** The message with the socket's reason, for places that print only one line. */
  get detail(): string {
    return this.cause instanceof Error ? `${this.message} (${this.cause.message})` : this.message;
  }
  constructor(url: string, options?: { cause?: unknown }) {
    super(`Redis at ${redactUrl(url)} is not reachable`, options);
  }
}
