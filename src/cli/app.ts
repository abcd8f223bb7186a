import { CitiClient, TokenBucketGate, type RequestEvent, type RequestGate } from '../citi/index.ts';
import { assertSecureBaseUrl, requireKeys, type Config } from '../config/index.ts';
import { openDatabase } from '../db/open.ts';
import type { Database } from '../db/database.ts';
import { checkMigrated } from '../db/migrate.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { TokenCipher } from '../auth/crypto.ts';
import type { SyncDeps, SyncSettings } from '../sync/index.ts';
import { cipherFromConfig } from './encryptionKey.ts';
import { join } from 'node:path';
import { poolSizeFor } from '../sync/poolSize.ts';
import { notifierFrom } from '../notify/fromConfig.ts';

/** Everything a command needs, built once from config; `close()` ends pools and sockets. */
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

export function clientFrom(cfg: Config, logger: Logger, gate?: RequestGate, hooks: { onRequest?: (e: RequestEvent) => void } = {}): CitiClient {
  requireKeys(cfg, ['CITI_CLIENT_ID', 'CITI_CLIENT_SECRET']);
  assertSecureBaseUrl(cfg);
  return new CitiClient({
    baseUrl: cfg.CITI_API_BASE_URL,
    clientId: cfg.CITI_CLIENT_ID!,
    clientSecret: cfg.CITI_CLIENT_SECRET!,
    gate: gate ?? new TokenBucketGate({ perSecond: cfg.CITI_MAX_REQUESTS_PER_SECOND, burst: cfg.CITI_REQUEST_BURST ?? Math.max(1, Math.ceil(cfg.CITI_MAX_REQUESTS_PER_SECOND)), maxPauseMs: cfg.CITI_MAX_RETRY_AFTER_S * 1000 }),
    logger,
    tls: cfg.tls ? { cert: cfg.tls.cert, key: cfg.tls.key, ca: cfg.tls.ca } : undefined,
    timeouts: {
      connectMs: Math.min(10_000, cfg.CITI_HTTP_TIMEOUT_MS),
      headersMs: cfg.CITI_HTTP_TIMEOUT_MS,
      bodyMs: cfg.CITI_HTTP_TIMEOUT_MS,
      deadlineMs: cfg.CITI_REQUEST_DEADLINE_MS,
    },
    maxBodyBytes: cfg.CITI_MAX_BODY_BYTES,
    maxRetryAfterMs: cfg.CITI_MAX_RETRY_AFTER_S * 1000,
    maxRetries: cfg.CITI_MAX_RETRIES,
    onRequest: hooks.onRequest,
  });
}

export function syncDeps(app: App, client: CitiClient, cipher?: TokenCipher): SyncDeps {
  return {
    db: app.db,
    client,
    cipher: cipher ?? cipherFromConfig(app.cfg, app.logger),
    logger: app.logger,
    settings: settingsFrom(app.cfg),
    notifier: notifierFrom(app.cfg, app.logger),
  };
}
