/**
 * The connection cannot be synced until a person acts: it was removed, revoked, or needs re-consent.
 * Retrying does not help (the queue turns this into an UnrecoverableError).
 */
export class ConnectionUnusableError extends Error {
  override readonly name = 'ConnectionUnusableError';
  readonly action = 'reauth' as const;
  constructor(
    readonly connectionId: string,
    readonly status: string,
    readonly reason: string | null,
    options?: { cause?: unknown },
  ) {
    super(
      `connection ${connectionId} is ${status}${reason ? `: ${reason}` : ''}` +
        (status === 'needs_reauth' ? ` (run: citi-sync connect --id ${connectionId})` : ''),
      options,
    );
  }
}
