export { syncConnection, type InProcessSyncOptions } from './connectionSync.ts';
export { refreshAccounts, tokensFor, openConnectionRun, closeConnectionRun, sweepOrphanedRuns, rollUp, type ClosedRun, type ConnectionRun, type JobExistsProbe } from './connectionRun.ts';
export { syncAccount, type AccountSyncInput } from './accountSync.ts';
export { SyncInProgressError, withSyncLock, withLocks, connectionLockKey, accountLockKey, type Locks } from './locks.ts';
export { storedAccounts, type StoredAccount } from './sql/accounts.ts';
export * from './types.ts';
export { poolSizeFor } from './poolSize.ts';
