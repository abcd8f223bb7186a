import type { Database } from './database.ts';
import type { Logger } from '../log/logger.ts';

export interface OpenDatabaseOptions {
  /** A postgres:// URL. When set, a node-postgres pool is used; otherwise embedded PGlite. */
  url?: string;
  /**
   * Where embedded PGlite keeps its files; `memory://` keeps nothing (tests).
   * @defaultValue `./.citi-sync/db`
   */
  dataDir?: string;
  /** @defaultValue 10 */
  poolSize?: number;
  /** Shown in pg_stat_activity. @defaultValue `citi-sync` */
  applicationName?: string;
  /** Receives errors of idle pooled connections (e.g. a server restart). */
  logger?: Logger;
  /**
   * Embedded only: a fresh directory starts as a copy of the package's migrated template when its
   * migrations match (src/db/embeddedTemplate.ts), instead of initdb. For callers that migrate
   * right after opening; the others must still find a fresh directory unmigrated.
   * @defaultValue false
   */
  fromMigratedTemplate?: boolean;
}

export const DEFAULT_DATA_DIR = './.citi-sync/db';

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.url) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(opts.url, opts);
  }
  // PGlite is loaded only when used: its WebAssembly module is large.
  const { openPglite } = await import('./pglite.ts');
  return openPglite(opts.dataDir ?? DEFAULT_DATA_DIR, { logger: opts.logger, ...(opts.fromMigratedTemplate ? { template: {} } : {}) });
}
