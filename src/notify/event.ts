/**
 * Terminology
 * - Event: what a webhook receives, one JSON object. `type` says what happened to a connection:
 *   - `run.failed` / `run.partial`: its run closed with every / some accounts failed;
 *   - `connection.needs_reconsent`: Citi ended the consent; only `citi-sync connect --id <id>` helps;
 *   - `connection.recovered`: a run succeeded after one that did not (or after a re-consent).
 * - Delivery id: `<runId>:<type>`, the same on every retry and on a repeated close, so a receiver
 *   can drop duplicates (delivery is at least once).
 *
 * An event never carries a secret: reasons come from run records, which hold none by design.
 */
export type EventType = 'run.failed' | 'run.partial' | 'connection.needs_reconsent' | 'connection.recovered';

export interface WebhookEvent {
  id: string;
  type: EventType;
  occurredAt: string;
  connectionId: string;
  runId: string;
  /** The run's outcome: succeeded, partial or failed. */
  status: string;
  /** The run's (or the consent's) reason, when it did not succeed. */
  reason: string | null;
  /** Up to 20 accounts whose sync failed in this run, with their reasons. */
  failedAccounts: Array<{ accountId: string; reason: string }>;
  source: { app: 'citi-sync'; version: string; host: string };
}

export interface ClosedRun {
  connectionId: string;
  runId: string;
  status: string;
  error: string | null;
  finishedAt: Date;
  /** The status of the connection's previous closed run (null: this is its first). */
  previousStatus: string | null;
  connectionStatus: string;
  connectionReason: string | null;
  failedAccounts: Array<{ accountId: string; reason: string }>;
}

/** Which event a closed run is, if any: a success after a success says nothing. Pure. */
export function eventFor(run: ClosedRun, source: WebhookEvent['source']): WebhookEvent | undefined {
  let type: EventType | undefined;
  let reason = run.error;
  if (run.connectionStatus === 'needs_reauth') {
    type = 'connection.needs_reconsent';
    reason = run.connectionReason ?? run.error;
  } else if (run.status === 'failed') type = 'run.failed';
  else if (run.status === 'partial') type = 'run.partial';
  else if (run.status === 'succeeded' && run.previousStatus !== null && run.previousStatus !== 'succeeded') type = 'connection.recovered';
  if (!type) return undefined;
  return {
    id: `${run.runId}:${type}`,
    type,
    occurredAt: run.finishedAt.toISOString(),
    connectionId: run.connectionId,
    runId: run.runId,
    status: run.status,
    reason,
    failedAccounts: run.failedAccounts.slice(0, 20),
    source,
  };
}
