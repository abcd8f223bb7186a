/**
 * Webhooks in worker mode: the parent job runs in two steps (list, then wait for its accounts), and
 * its run closes once, in closeConnectionRun, which calls the one run-closed hook. So a worker run
 * that ends partial tells the receiver once, the same event the in-process sync sends
 * (test/notify/webhook.test.ts), and the step that merely waits tells nobody.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runClosedHook, type RunNotifier, type WebhookEvent } from '../../src/notify/index.ts';
import { enqueueSync } from '../../src/queue/scheduling.ts';
import { finishedRuns, queueHarness, waitFor, type QueueHarness } from './harness.ts';

/** Keeps what it is sent; the wiring, not the HTTP delivery, is under test here. */
class RecordingNotifier implements RunNotifier {
  readonly sent: WebhookEvent[] = [];
  send(event: WebhookEvent): void {
    this.sent.push(event);
  }
  async flush(): Promise<boolean> {
    return true;
  }
}

describe('webhook events from a worker run', () => {
  let h: QueueHarness;
  beforeEach(async () => {
    h = await queueHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('a partial run sends one run.partial event, with the run and the failed account', async () => {
    const userId = await h.connect('c1', 0);
    const broken = h.sandbox.users.find((u) => u.userId === userId)!.accountIds[0]!;
    h.sandbox.setAccountResponse(broken, { status: 500, body: '{"type":"fatal","code":"serverUnavailable"}', times: 10_000 });
    const notifier = new RecordingNotifier();
    const deps = { ...h.deps(), notifier };
    deps.onConnectionRunClosed = runClosedHook(deps);
    // One attempt per account job: the broken account fails for good at once.
    const set = await h.inProcessWorkers({ deps, retry: { attempts: 1, backoffMs: 10 } });
    await enqueueSync(set.queues.connection, 'c1', 'manual');
    await waitFor(async () => ((await finishedRuns(h.db)).partial ?? 0) === 1, 60_000, 'the worker run to close');
    // The hook runs before the parent job completes: once it has, every event there will be was sent.
    await waitFor(async () => (await set.queues.connection.getJobCounts('completed')).completed === 1, 30_000, 'the parent job to complete');

    const { rows } = await h.db.query<{ id: string }>(`SELECT id FROM citi_sync.sync_runs WHERE account_id IS NULL`);
    expect(notifier.sent).toEqual([
      expect.objectContaining({ id: `${rows[0]!.id}:run.partial`, type: 'run.partial', connectionId: 'c1', runId: rows[0]!.id, status: 'partial', failedAccounts: [{ accountId: broken, reason: expect.stringContaining('500') }] }),
    ]);
  });
});
