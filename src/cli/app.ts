import type { Config } from '../config/index.ts';
import { openDatabase } from '../db/open.ts';
import type { Database } from '../db/database.ts';
import { checkMigrated } from '../db/migrate.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { SyncSettings } from '../sync/index.ts';
import { join } from 'node:path';
import { poolSizeFor } from '../sync/poolSize.ts';

/**
 * Everything a command needs, built once from config; `close()` ends pools and sockets. The Citi
 * client and the sync engine's wiring are in syncWiring.ts, so a command that only reads the
 * database does not load them.
 */
export interface App {
  cfg: Config;
  logger: Logger;
  db: Database;
  close(): Promise<void>;
}

export function loggerFor(cfg: Config): Logger {
  return createLogger({ level: cfg.LOG_LEVEL, pretty: Boolean(process.stderr.isTTY), color: cfg.NO_COLOR === undefined });
}

export async function openApp(cfg: Config, logger: Logger, opts: { requireMigrated?: boolean; fromMigratedTemplate?: boolean } = {}): Promise<App> {
  const poolSize = poolSizeFor(cfg.CITI_ACCOUNT_CONCURRENCY, cfg.CITI_WINDOW_CONCURRENCY);
  const db = await openDatabase({
    url: cfg.DATABASE_URL,
    dataDir: join(cfg.CITI_SYNC_DATA_DIR, 'db'),
    applicationName: 'citi-sync',
    poolSize,
    logger,
    fromMigratedTemplate: opts.fromMigratedTemplate,
  });
  if (opts.requireMigrated !== false) {
    try {
      await checkMigrated(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return { cfg, logger, db, close: () => db.close() };
}

export function settingsFrom(cfg: Config): SyncSettings {
  return {
    // Unset: as far back as each connection's market allows (src/sync/market.ts).
    historyMonths: cfg.CITI_HISTORY_MONTHS ?? Number.POSITIVE_INFINITY,
    lookbackDays: cfg.CITI_LOOKBACK_DAYS,
    correctionDays: cfg.CITI_CORRECTION_DAYS,
    windowDays: cfg.CITI_WINDOW_DAYS,
    windowConcurrency: cfg.CITI_WINDOW_CONCURRENCY,
    accountConcurrency: cfg.CITI_ACCOUNT_CONCURRENCY,
  };
}
