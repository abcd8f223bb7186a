export { syncConnection, refreshAccounts, tokensFor, connectionLockKey } from './connectionSync.ts';
export { syncAccount, type AccountSyncInput } from './accountSync.ts';
export { SyncInProgressError, withSyncLock } from './locks.ts';
export { storedAccounts, type StoredAccount } from './sql/accounts.ts';
export * from './types.ts';
