import { CitiClient, TokenBucketGate, type RequestEvent, type RequestGate } from '../citi/index.ts';
import { assertSecureBaseUrl, requireKeys, type Config } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { TokenCipher } from '../auth/crypto.ts';
import type { SyncDeps } from '../sync/index.ts';
import { cipherFromConfig } from './encryptionKey.ts';
import { notifierFrom } from '../notify/fromConfig.ts';
import { runClosedHook, type RunNotifier } from '../notify/afterRunClosed.ts';
import { settingsFrom, type App } from './app.ts';

/*
 * The Citi client and the sync engine's dependencies, built from config. Kept out of app.ts: they
 * load undici, the Citi response schemas and the webhook notifier (~0.4 s of CPU together), which
 * the commands that only read the database (status, sql, migrate, schedule) never use.
 */

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
  const parts = { db: app.db, client, cipher: cipher ?? cipherFromConfig(app.cfg, app.logger) };
  return syncDepsFrom(app.cfg, app.logger, parts, notifierFrom(app.cfg, app.logger));
}

/**
 * Sync deps from config, for `sync` and `worker` alike: the one place the notifier is wired to the
 * run-closed hook, so webhooks behave the same whichever path closed the run.
 */
export function syncDepsFrom(cfg: Config, logger: Logger, parts: Pick<SyncDeps, 'db' | 'client' | 'cipher'>, notifier: RunNotifier | undefined): SyncDeps {
  return {
    ...parts,
    logger,
    settings: settingsFrom(cfg),
    notifier,
    onConnectionRunClosed: runClosedHook({ db: parts.db, logger, notifier }),
  };
}
