import { hostname } from 'node:os';
import type { Logger } from '../log/logger.ts';
import type { Database } from '../db/database.ts';
import { VERSION } from '../version.ts';
import { eventFor, type WebhookEvent } from './event.ts';
import { closedRun } from './sql/closedRun.ts';

/** Where events go (the webhook; tests pass their own). `send` must return at once. */
export interface RunNotifier {
  send(event: WebhookEvent): void;
  flush(timeoutMs?: number): Promise<boolean>;
}

type NotifyDeps = { db: Database; logger: Logger; notifier?: RunNotifier | undefined };

/**
 * Decides whether a closed connection run is news (failed, partial, consent lost, recovered) and
 * hands the event to the notifier. Never throws and never waits on the receiver: a notification must
 * not fail or slow a sync. A run that is not closed yet is a no-op. Reached through
 * `runClosedHook`, which closeConnectionRun (src/sync/connectionRun.ts) calls for every close.
 */
export async function afterRunClosed(deps: NotifyDeps, connectionId: string, runId?: string): Promise<void> {
  if (!deps.notifier) return;
  try {
    const run = await closedRun(deps.db, connectionId, runId);
    const event = run && eventFor(run, { app: 'citi-sync', version: VERSION, host: hostname() });
    if (event) deps.notifier.send(event);
  } catch (err) {
    deps.logger.warn({ err, connectionId }, 'could not prepare the run notification');
  }
}

/**
 * The `SyncDeps.onConnectionRunClosed` hook that sends webhook events; undefined without a notifier.
 * The only wiring of notifications into the sync: in-process and worker runs both close through
 * closeConnectionRun, so neither path calls afterRunClosed itself (two callers drifted apart before).
 */
export function runClosedHook(deps: NotifyDeps): ((run: { connectionId: string; runId: string }) => Promise<void>) | undefined {
  if (!deps.notifier) return undefined;
  return (run) => afterRunClosed(deps, run.connectionId, run.runId);
}
