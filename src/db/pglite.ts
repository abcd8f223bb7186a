import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type Results } from '@electric-sql/pglite';
import type { Database, MigrationConfig, Queryable, QueryResult } from './database.ts';
import { DatabaseError, wrapQueryError } from './errors.ts';
import { LockFile } from './lockFile.ts';
import { DIR_MODE, tightenTree } from './fileModes.ts';
import type { Logger } from '../log/logger.ts';
import { pgliteParsers } from './typeParsers.ts';
import { seedFromTemplate, type TemplateSource } from './embeddedTemplate.ts';

/**
 * Postgres's default of 128 MB of shared buffers is the largest part of an embedded process's memory:
 * PGlite allocates them in its WebAssembly heap and a sync dirties most of them. The demo measured
 * 400 MB peak RSS with 128 MB, 295 MB with 32 MB, 260 MB with 16 MB; pages evicted from them stay
 * in the OS's file cache, a read away.
 */
const SHARED_BUFFERS = '16MB';

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
    private readonly dataDir?: string,
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
            copyFrom: (copySql, data) => copyFromBlob(tx, copySql, data),
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
    const session: Queryable = { query: (text, params) => this.query(text, params), copyFrom: (copySql, data) => copyFromBlob(this.pglite, copySql, data) };
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
    const [{ drizzle }, { migrate }] = await Promise.all([import('drizzle-orm/pglite'), import('drizzle-orm/pglite/migrator')]);
    await this.withSession(() => migrate(drizzle({ client: this.pglite }), config));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.pglite.close();
      // Files PGlite created during this run are 0666 (inside a 0700 directory): tighten them so
      // the next start finds nothing loosened unless someone loosened it.
      if (this.dataDir) tightenTree(this.dataDir);
    } finally {
      this.lock?.releaseSync();
    }
  }
}

export interface OpenPgliteOptions {
  /** Starts a fresh directory from a dump of another (PGlite's dumpDataDir), e.g. a migrated one in tests. */
  loadDataDir?: Blob;
  /**
   * Starts a fresh directory as a copy of the migrated template matching these migrations, when
   * there is one (src/db/embeddedTemplate.ts); for callers that migrate right after opening.
   */
  template?: TemplateSource;
  logger?: Logger | undefined;
}

/** Opens (creating if need be) the embedded database in dataDir. */
export async function openPglite(dataDir: string, opts: OpenPgliteOptions = {}): Promise<PgliteDatabase> {
  const inMemory = dataDir.startsWith('memory://');
  let lock: LockFile | undefined;
  if (!inMemory) {
    lock = LockFile.acquire(dataDir);
    const existed = existsSync(dataDir);
    mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
    try {
      const before = tightenTree(dataDir);
      if (existed && before.loosened > 0) {
        opts.logger?.warn(
          { dataDir, loosened: before.loosened, examples: before.examples },
          `embedded database files at ${dataDir} were open to other users (${before.loosened}, e.g. ${before.examples.join(', ')}); reset to 0700/0600`,
        );
      }
    } catch (err) {
      lock.releaseSync();
      throw new DatabaseError(`cannot set the modes of the embedded database at ${dataDir}: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    if (lock && opts.template && !opts.loadDataDir && !existsSync(join(dataDir, 'PG_VERSION'))) {
      await seedFromTemplate(dataDir, opts.template, opts.logger);
    }
    const pglite = await PGlite.create(dataDir, {
      parsers: pgliteParsers,
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    });
    // A new database was just written by initdb, 0666: not a warning, only tightened.
    if (!inMemory) tightenTree(dataDir);
    return new PgliteDatabase(pglite, lock, inMemory ? undefined : dataDir);
  } catch (err) {
    lock?.releaseSync();
    throw new DatabaseError(`cannot open the embedded database at ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * PGlite has no COPY sub-protocol; it reads COPY input from the virtual file `/dev/blob` instead.
 * Measured against a multi-row `json_to_recordset` insert of the same 20,000 rows: 0.47–0.53 s vs
 * 0.63–0.69 s, so the embedded path stages with COPY too.
 */
async function copyFromBlob(q: Pick<PGlite, 'query'>, copySql: string, data: string | readonly string[]): Promise<number> {
  const text = copySql.replace(/\bFROM\s+STDIN\b/i, `FROM '/dev/blob'`);
  try {
    const res = await q.query(text, [], { blob: new Blob(typeof data === 'string' ? [data] : [...data]) });
    return res.affectedRows ?? 0;
  } catch (err) {
    throw wrapQueryError(err, text);
  }
}

function toResult<R>(res: Results<R>): QueryResult<R> {
  return { rows: res.rows, rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length };
}
