/**
 * Postgres sessions a process needs so its syncs never queue for a connection: every window walk of
 * every account in flight may be writing a page at once, plus one session for the sync's locks and a
 * few for run records and planning.
 */
export function poolSizeFor(accountsInFlight: number, windowConcurrency: number): number {
  return Math.max(10, accountsInFlight * windowConcurrency + accountsInFlight + 4);
}
