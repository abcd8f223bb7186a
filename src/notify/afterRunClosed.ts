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

/**
 * Called after a connection's run closes, by the in-process sync and by the worker alike: decides
 * whether the run is news (failed, partial, consent lost, recovered) and hands the event to the
 * notifier. Never throws and never waits on the receiver: a notification must not fail or slow a sync.
 * A run that is not closed yet (a worker job waiting for its accounts, or retrying) is a no-op.
 */
export async function afterRunClosed(deps: { db: Database; logger: Logger; notifier?: RunNotifier | undefined }, connectionId: string, runId?: string): Promise<void> {
  if (!deps.notifier) return;
  try {
    const run = await closedRun(deps.db, connectionId, runId);
    const event = run && eventFor(run, { app: 'citi-sync', version: VERSION, host: hostname() });
    if (event) deps.notifier.send(event);
  } catch (err) {
    deps.logger.warn({ err, connectionId }, 'could not prepare the run notification');
  }
}
