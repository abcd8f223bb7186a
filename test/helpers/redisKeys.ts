import type { Redis } from 'ioredis';

/** Deletes every key under a queue prefix: "Redis lost its data", for one test's prefix only. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  // Glob-escape the characters SCAN's MATCH would read as a pattern; prefixes are `{citi-sync-<label>-<hex>}`.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
