import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../log/logger.ts';

/**
 * Terminology
 * - Heartbeat: a worker process's record in Redis (host, pid, version, start, jobs in flight),
 *   rewritten every `everyMs` with a TTL of `ttlMs`. While it exists, the worker is live.
 * - Lost worker: one listed in the registry whose record expired (killed, host gone, partitioned):
 *   it stopped without deregistering. A worker that stops cleanly removes itself.
 *
 * Keys live under the queue prefix (its `{hash tag}` keeps them in the queues' Redis Cluster slot).
 */
export interface WorkerBeat {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  lastBeatAt: string;
  jobsInFlight: number;
  concurrency: number;
}

export interface WorkerList {
  live: WorkerBeat[];
  /** Last known record of each lost worker (newest first). */
  lost: WorkerBeat[];
}

/** @defaultValue heartbeat every 10 s, record lives 30 s (three missed beats = lost). */
export const HEARTBEAT_EVERY_MS = 10_000;
export const HEARTBEAT_TTL_MS = 30_000;
/** A lost worker stays listed this long, then is forgotten. */
const LOST_KEPT_MS = 24 * 3600_000;
/** Bound on the registry a status reads (a fleet restarting in a loop must not flood it). */
const MAX_LISTED = 200;

const registryKey = (prefix: string) => `${prefix}:workers`;
const beatKey = (prefix: string, id: string) => `${prefix}:worker:${id}`;
const lastKey = (prefix: string, id: string) => `${prefix}:worker-last:${id}`;

export interface Heartbeat {
  readonly id: string;
  /** Removes this worker's record: a clean stop is not a lost worker. */
  stop(): Promise<void>;
}

export async function startHeartbeat(
  redis: Redis | Cluster,
  opts: { prefix: string; version: string; concurrency: number; jobsInFlight: () => number; logger: Logger; everyMs?: number; ttlMs?: number },
): Promise<Heartbeat> {
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const startedAt = new Date().toISOString();
  const ttlMs = opts.ttlMs ?? HEARTBEAT_TTL_MS;
  const beat = async () => {
    const now = Date.now();
    const record: WorkerBeat = {
      id,
      host: hostname(),
      pid: process.pid,
      version: opts.version,
      startedAt,
      lastBeatAt: new Date(now).toISOString(),
      jobsInFlight: opts.jobsInFlight(),
      concurrency: opts.concurrency,
    };
    const json = JSON.stringify(record);
    await redis
      .multi()
      .set(beatKey(opts.prefix, id), json, 'PX', ttlMs)
      // The last record outlives the heartbeat, so status can say what a lost worker was doing.
      .set(lastKey(opts.prefix, id), json, 'PX', LOST_KEPT_MS)
      .zadd(registryKey(opts.prefix), now, id)
      .zremrangebyscore(registryKey(opts.prefix), 0, now - LOST_KEPT_MS)
      .exec();
  };
  await beat();
  const timer = setInterval(() => {
    beat().catch((err: unknown) => opts.logger.warn({ err }, 'heartbeat not written (Redis unavailable?)'));
  }, opts.everyMs ?? HEARTBEAT_EVERY_MS);
  timer.unref();
  return {
    id,
    async stop() {
      clearInterval(timer);
      await redis.multi().del(beatKey(opts.prefix, id), lastKey(opts.prefix, id)).zrem(registryKey(opts.prefix), id).exec();
    },
  };
}

/** Live and lost workers, from the registry (newest beat first). */
export async function listWorkers(redis: Redis | Cluster, prefix: string): Promise<WorkerList> {
  const ids = await redis.zrevrange(registryKey(prefix), 0, MAX_LISTED - 1);
  if (ids.length === 0) return { live: [], lost: [] };
  const [beats, lasts] = await Promise.all([redis.mget(...ids.map((id) => beatKey(prefix, id))), redis.mget(...ids.map((id) => lastKey(prefix, id)))]);
  const live: WorkerBeat[] = [];
  const lost: WorkerBeat[] = [];
  // A value under the prefix that is not a beat (another tool's, a hand edit) is skipped: status
  // must still answer.
  const parse = (v: string | null | undefined): WorkerBeat | undefined => {
    if (!v) return undefined;
    try {
      const beat = JSON.parse(v) as unknown;
      return beat !== null && typeof beat === 'object' && typeof (beat as WorkerBeat).id === 'string' ? (beat as WorkerBeat) : undefined;
    } catch {
      return undefined;
    }
  };
  ids.forEach((_id, i) => {
    const current = parse(beats[i]);
    if (current) live.push(current);
    else if (!beats[i]) {
      const last = parse(lasts[i]);
      if (last) lost.push(last);
    }
  });
  return { live, lost };
}
