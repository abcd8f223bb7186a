import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/** The Redis provided by global-setup (local, DATABASE_URL-style env, or a testcontainer). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/**
 * A queue prefix of its own for one test, so test files share a Redis without seeing each other's
 * jobs. The braces make it a Redis Cluster hash tag, as BullMQ recommends.
 */
export function randomQueuePrefix(label = 't'): string {
  return `{citi-sync-${label}-${randomBytes(6).toString('hex')}}`;
}
