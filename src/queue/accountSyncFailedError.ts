/**
 * One account's sync failed for a reason that may pass (a 5xx, a timeout, the retry budget of a page
 * spent). BullMQ retries the job with backoff; the engine resumes from the account's checkpoint.
 */
export class AccountSyncFailedError extends Error {
  override readonly name = 'AccountSyncFailedError';
  constructor(
    readonly connectionId: string,
    readonly accountId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`account ${accountId} of ${connectionId}: ${reason}`, options);
  }
}
