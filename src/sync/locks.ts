import type { Database } from '../db/database.ts';

/** Another process holds the sync of this connection; the caller waits or reports it. */
export class SyncInProgressError extends Error {
  override readonly name = 'SyncInProgressError';
  constructor(readonly connectionId: string) {
    super(`connection ${connectionId} is being synced by another process; try again when it finishes`);
  }
}

const inProcess = new Set<string>();

/**
 * Holds "only one sync of this key at a time" for the duration of `fn`: a session-level Postgres
 * advisory lock on a server (held by a dedicated session, so it dies with a crashed process), and an
 * in-process guard for the embedded database, which one process owns anyway (its lock file).
 */
export async function withSyncLock<T>(
  db: Database,
  key: string,
  fn: () => Promise<T>,
  opts: { waitMs?: number; connectionId: string },
): Promise<T> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  if (db.kind === 'pglite') {
    while (inProcess.has(key)) {
      if (Date.now() >= deadline) throw new SyncInProgressError(opts.connectionId);
      await sleep(100);
    }
    inProcess.add(key);
    try {
      return await fn();
    } finally {
      inProcess.delete(key);
    }
  }
  return db.withSession(async (session) => {
    for (;;) {
      const { rows } = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [key]);
      if (rows[0]?.ok) break;
      if (Date.now() >= deadline) throw new SyncInProgressError(opts.connectionId);
      await sleep(250);
    }
    try {
      return await fn();
    } finally {
      await session.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]).catch(() => undefined);
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
