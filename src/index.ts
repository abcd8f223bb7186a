/**
 * citi-sync as a library, for teams that embed it (`import { openCitiSync } from 'citi-sync'`).
 *
 * The short path: `openCitiSync({ settings: { DATABASE_URL, CITI_CLIENT_ID, … } })` gives a database,
 * a client and `sync(connectionId)` / `status()`. The parts are exported too, for callers that wire
 * their own (a logger, a pool of their own, a gate shared with other code):
 * - open a database: `openDatabase`, then `migrate` (or `checkMigrated`)
 * - build a client: `new CitiClient({ baseUrl, clientId, clientSecret, gate })`
 * - store a consent: `addConnection(db, new TokenCipher(key), { id, refreshToken })`
 * - sync a connection: `syncConnection({ db, client, cipher, logger, settings }, id, { trigger })`
 * - read status: `gatherStatus(db)`
 * Everything else in the package is internal and may change in any release.
 */
export { VERSION } from './version.ts';
export { openCitiSync, createLogger, silentLogger, type CitiSync, type OpenCitiSyncOptions } from './library.ts';
export { loadConfig, ConfigError, type Config } from './config/index.ts';
export type { Database, Queryable } from './db/database.ts';
export { openDatabase, type OpenDatabaseOptions } from './db/open.ts';
export { migrate, checkMigrated, type MigrateResult } from './db/migrate.ts';
export { addConnection } from './auth/consent.ts';
export { listConnections, removeConnection, type ConnectionSummary } from './db/connections.ts';
export { CitiClient, TokenBucketGate, type CitiClientOptions, type RequestGate } from './citi/index.ts';
export { TokenCipher, parseEncryptionKey } from './auth/crypto.ts';
export {
  syncConnection,
  SyncInProgressError,
  type SyncDeps,
  type SyncSettings,
  type SyncOptions,
  type ConnectionResult,
  type AccountResult,
  type ProgressEvent,
} from './sync/index.ts';
export { gatherStatus, type StatusReport } from './queue/status.ts';
export type { Logger } from './log/logger.ts';
