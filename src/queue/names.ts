import { createHash, randomUUID } from 'node:crypto';

/**
 * Terminology
 * - queue: a BullMQ queue; every key of it lives under the queue prefix (default `{citi-sync}`).
 *   The braces are a Redis Cluster hash tag: every key of every queue, and the shared request gate,
 *   hashes to one slot, so BullMQ's multi-key Lua scripts work on a cluster.
 * - tick: the job a connection's job scheduler produces on each interval. It only enqueues a
 *   `sync-connection` job, deduplicated per connection, so a slow sync is never run twice at once
 *   (job schedulers cannot deduplicate their own jobs).
 * - parent / child: a `sync-connection` job lists the accounts and adds one `sync-account` child per
 *   account; the parent finishes (and records the connection's run) once every child has.
 */
export const QUEUES = {
  connection: 'sync-connection',
  account: 'sync-account',
  refresh: 'refresh-token',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

export const JOBS = {
  tick: 'scheduled-sync',
  connection: 'sync-connection',
  account: 'sync-account',
  refreshSweep: 'refresh-token-sweep',
} as const;

/** The one job scheduler per connection. BullMQ ids must not contain ':'; connection ids never do. */
export function schedulerId(connectionId: string): string {
  return `sync.${connectionId}`;
}

export function connectionFromSchedulerId(id: string): string | undefined {
  return id.startsWith('sync.') ? id.slice('sync.'.length) : undefined;
}

/** While a sync-connection job with this id exists (waiting, active or waiting for children), no other is added. */
export function connectionDedupId(connectionId: string): string {
  return `sync.${connectionId}`;
}

/**
 * A sync-connection job's own id: unique forever, never BullMQ's counter, which starts again at 1
 * when Redis loses its data. Run records name their job by id, and the sweep of orphaned runs asks
 * whether that job still exists: a reused id would keep a dead run "alive".
 */
export function syncJobId(connectionId: string): string {
  return `sync.${connectionId}.${randomUUID()}`;
}

/**
 * A child's id is derived from its parent and account, so a parent that retries after adding some
 * children re-adds the same jobs (a no-op) instead of duplicating them. Account ids are opaque (up to
 * 128 characters, any alphabet), hence the hash.
 */
export function accountJobId(parentJobId: string, accountId: string): string {
  return `${parentJobId}.${shortHash(accountId)}`;
}

export { accountLockKey } from '../sync/locks.ts';

/**
 * A key for our own data next to the queues. When the prefix carries no hash tag we add one, so the
 * gate's keys (used together in one script) still share a cluster slot.
 */
export function prefixedKey(prefix: string, ...parts: string[]): string {
  const tagged = /\{[^{}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
  return [tagged, ...parts].join(':');
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A stable number in [0, modulo) from a text: the same connection always gets the same jitter. */
export function stableBucket(text: string, modulo: number): number {
  if (modulo <= 1) return 0;
  const n = createHash('sha256').update(text).digest().readUIntBE(0, 6);
  return n % modulo;
}
