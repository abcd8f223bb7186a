import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { PGlite, type Results } from '@electric-sql/pglite';
import type { Database, MigrationConfig, Queryable, QueryResult } from './database.ts';
import { DatabaseError, wrapQueryError } from './errors.ts';
import { LockFile } from './lock-file.ts';
import { pgliteParsers } from './type-parsers.ts';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

/** Marks async work running inside a PGlite transaction or session, to catch self-deadlocks. */
interface Context {
  inTransaction: boolean;
  holdsSession: boolean;
}

/**
 * Embedded Postgres (PGlite, WebAssembly) persisted in a directory. One process, one session:
 * - PGlite runs every query of a transaction exclusively, so `db.query` called from inside
 *   `transaction(fn)` would wait for itself forever; it throws instead (use the `tx` given to fn).
 * - Advisory locks cannot exclude anyone on a single session, so `withSession` callers are
 *   serialised by an in-process mutex (re-entrant within one call chain).
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly #context = new AsyncLocalStorage<Context>();
  #sessionQueue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    readonly pglite: PGlite,
    private readonly lock: LockFile | undefined,
  ) {}

  async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    if (this.#context.getStore()?.inTransaction) {
      throw new DatabaseError('db.query() was called inside db.transaction(): use the transaction handle (PGlite would deadlock)', {
        cause: undefined,
      });
    }
    try {
      return toResult<R>(await this.pglite.query<R>(text, params));
    } catch (err) {
      throw wrapQueryError(err, text);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const outer = this.#context.getStore();
    if (outer?.inTransaction) {
      throw new DatabaseError('db.transaction() was called inside another transaction (PGlite would deadlock)', { cause: undefined });
    }
    try {
      return await this.pglite.transaction((tx) =>
        this.#context.run({ inTransaction: true, holdsSession: outer?.holdsSession ?? false }, () =>
          fn({
            async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
              try {
                return toResult<R>(await tx.query<R>(text, params));
              } catch (err) {
                throw wrapQueryError(err, text);
              }
            },
          }),
        ),
      );
    } catch (err) {
      // Errors of fn pass through unchanged; only PGlite's own (BEGIN/COMMIT) are wrapped.
      if (err instanceof Error && !(err as { query?: unknown }).query) throw err;
      throw wrapQueryError(err, 'COMMIT');
    }
  }

  async withSession<T>(fn: (s: Queryable, lost: AbortSignal) => Promise<T>): Promise<T> {
    const outer = this.#context.getStore();
    const session: Queryable = { query: (text, params) => this.query(text, params) };
    // One in-process session: it is never lost apart from the whole database.
    const never = new AbortController().signal;
    if (outer?.holdsSession) return fn(session, never);

    let release!: () => void;
    const previous = this.#sessionQueue;
    this.#sessionQueue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await this.#context.run({ inTransaction: false, holdsSession: true }, () => fn(session, never));
    } finally {
      // Mirror the server backend: no advisory lock outlives the session it was taken on.
      await this.pglite.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      release();
    }
  }

  /** One process owns PGlite (lock file); withSession serialises migrators within it, so no advisory lock. */
  async applyMigrations(config: MigrationConfig): Promise<void> {
    await this.withSession(() => migrate(drizzle({ client: this.pglite }), config));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.pglite.close();
    } finally {
      this.lock?.releaseSync();
    }
  }
}

/**
 * Opens (creating if need be) the embedded database in dataDir. `loadDataDir` starts a fresh
 * directory from a dump of another (PGlite's dumpDataDir), e.g. a migrated template in tests.
 */
export async function openPglite(dataDir: string, opts: { loadDataDir?: Blob } = {}): Promise<PgliteDatabase> {
  const inMemory = dataDir.startsWith('memory://');
  let lock: LockFile | undefined;
  if (!inMemory) {
    lock = LockFile.acquire(dataDir);
    mkdirSync(dataDir, { recursive: true });
  }
  try {
    const pglite = await PGlite.create(dataDir, { parsers: pgliteParsers, ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}) });
    return new PgliteDatabase(pglite, lock);
  } catch (err) {
    lock?.releaseSync();
    throw new DatabaseError(`cannot open the embedded database at ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
}

function toResult<R>(res: Results<R>): QueryResult<R> {
  return { rows: res.rows, rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length };
}
