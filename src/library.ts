import type { CitiClient } from './citi/index.ts';
import type { Config } from './config/index.ts';
import { loadConfig } from './config/load.ts';
import type { Database } from './db/database.ts';
import { createLogger, silentLogger, type Logger } from './log/logger.ts';
import type { StatusReport } from './queue/status.ts';
import type { ConnectionResult, SyncDeps, SyncOptions } from './sync/index.ts';

/** What `openCitiSync` returns: the pieces, built from one config, and the everyday operations. */
export interface CitiSync {
  readonly config: Config;
  readonly db: Database;
  readonly client: CitiClient;
  /** Everything `syncConnection` needs, for callers that compose their own runs. */
  readonly deps: SyncDeps;
  /** Syncs one connection in this process, as `citi-sync sync --connection <id>` does. */
  sync(connectionId: string, opts?: Partial<SyncOptions> & { waitMs?: number }): Promise<ConnectionResult>;
  /** Connections, their last run and state, as `citi-sync status --json` (without Redis: no schedules). */
  status(): Promise<StatusReport>;
  /** Ends the client's sockets and the database pool. */
  close(): Promise<void>;
}

export interface OpenCitiSyncOptions {
  /** Settings by environment variable name, over the process environment (flag > env > .env > default). */
  settings?: Record<string, string | number | undefined>;
  /** The process environment; pass `{}` to read nothing from it. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** @defaultValue a silent logger */
  logger?: Logger;
}

/**
 * For teams that embed citi-sync: the database, the Citi client and the sync engine wired from one
 * configuration, exactly as the CLI wires them. The schema must be migrated (`citi-sync migrate`, or
 * `migrate(db)`); a database behind the code throws MigrationRequiredError here.
 */
export async function openCitiSync(opts: OpenCitiSyncOptions = {}): Promise<CitiSync> {
  const config = loadConfig({ env: opts.env, overrides: opts.settings as never, dotenvPath: null });
  const logger = opts.logger ?? silentLogger();
  // The CLI's own wiring, loaded lazily so importing the library stays cheap.
  const [{ openApp }, { clientFrom, syncDeps }, { syncConnection }, { gatherStatus }] = await Promise.all([
    import('./cli/app.ts'),
    import('./cli/syncWiring.ts'),
    import('./sync/index.ts'),
    import('./queue/status.ts'),
  ]);
  const client = clientFrom(config, logger);
  const app = await openApp(config, logger).catch(async (err: unknown) => {
    await client.close();
    throw err;
  });
  const deps = syncDeps(app, client);
  return {
    config,
    db: app.db,
    client,
    deps,
    sync: (connectionId, o = {}) => syncConnection(deps, connectionId, { trigger: 'manual', full: false, ...o }),
    status: () => gatherStatus(app.db, undefined, 'not used by the library'),
    async close() {
      await client.close();
      await app.close();
    },
  };
}

export { createLogger, silentLogger };
