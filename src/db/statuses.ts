/**
 * The values a status column may hold, and their unions. Kept apart from the drizzle schema
 * (src/db/schema.ts, which builds its CHECK constraints from them) so that code validating a status
 * at run time does not load drizzle-orm/pg-core: it costs ~0.13 s of CPU at every CLI start and
 * only drizzle-kit and the schema test need the table definitions.
 */
export const CONNECTION_STATUSES = ['active', 'needs_reauth', 'revoked'] as const;
export const TRANSACTION_STATUSES = ['pending', 'posted'] as const;
export const SYNC_TRIGGERS = ['cli', 'demo', 'schedule', 'manual', 'worker'] as const;
export const SYNC_RUN_STATUSES = ['running', 'succeeded', 'failed', 'partial', 'skipped'] as const;
// The unions code passes around: a status parameter is one of these, never a bare string. (Raw SQL
// returns snake_case rows, so drizzle's inferred camelCase row types are not exported.)
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];
