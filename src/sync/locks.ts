import type { Database, Queryable } from '../db/database.ts';

/** Another process holds the sync of this connection (or account); the caller waits or reports it. */
export class SyncInProgressError extends Error {
  override readonly name = 'SyncInProgressError';
  constructor(readonly connectionId: string) {
    super(`connection ${connectionId} is being synced by another process; try again when it finishes`);
  }
}

export function connectionLockKey(connectionId: string): string {
  return `citi-sync:connection:${connectionId}`;
}

/** Held while one account syncs, by `citi-sync sync` and by workers alike, so they never overlap. */
export function accountLockKey(connectionId: string, accountId: string): string {
  return `citi-sync:account:${connectionId}:${accountId}`;
}

export interface LockOptions {
  /** How long to wait for a held lock before giving up with SyncInProgressError. */
  waitMs?: number | undefined;
  connectionId: string;
}

/** Takes "only one sync of this key at a time" locks; each acquire returns its release. */
export interface Locks {
  acquire(key: string, opts: LockOptions): Promise<() => Promise<void>>;
  /**
   * Aborts (with SessionLostError) when the session holding the locks is lost: the locks are gone,
   * so another process may start the same sync. Work under the locks must stop (RELIABILITY C).
   */
  lost: AbortSignal;
}

const inProcess = new Set<string>();

/**
 * Runs `fn` with a lock taker. On a server the locks are session-level advisory locks, all taken on
 * ONE dedicated session: they die with a crashed process, and however many accounts a sync holds,
 * it costs one pooled connection (a session per lock would starve the pool that does the work).
 * The embedded database belongs to one process anyway (its lock file): an in-process set suffices.
 */
export async function withLocks<T>(db: Database, fn: (locks: Locks) => Promise<T>): Promise<T> {
  if (db.kind === 'pglite') return fn({ acquire: acquireInProcess, lost: new AbortController().signal });
  return db.withSession((session, lost) => {
    const serial = serialized(session);
    return fn({ acquire: (key, opts) => acquireAdvisory(serial, key, opts), lost });
  });
}

/** Accounts take and release their locks concurrently; one session runs one query at a time. */
function serialized(session: Queryable): Queryable {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    query<R>(text: string, params?: unknown[]) {
      const run = tail.then(() => session.query<R>(text, params));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/** One lock around `fn`; `lost` aborts when the lock's session is lost. */
export async function withSyncLock<T>(db: Database, key: string, fn: (lost: AbortSignal) => Promise<T>, opts: LockOptions): Promise<T> {
  return withLocks(db, async (locks) => {
    const release = await locks.acquire(key, opts);
    try {
      return await fn(locks.lost);
    } finally {
      await release();
    }
  });
}

async function acquireInProcess(key: string, opts: LockOptions): Promise<() => Promise<void>> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  while (inProcess.has(key)) {
    if (Date.now() >= deadline) throw new SyncInProgressError(opts.connectionId);
    await sleep(100);
  }
  inProcess.add(key);
  return async () => {
    inProcess.delete(key);
  };
}

async function acquireAdvisory(session: Queryable, key: string, opts: LockOptions): Promise<() => Promise<void>> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    const { rows } = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [key]);
    if (rows[0]?.ok) break;
    if (Date.now() >= deadline) throw new SyncInProgressError(opts.connectionId);
    await sleep(250);
  }
  return async () => {
    await session.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]).catch(() => undefined);
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
