import { ConnectionTokens } from '../auth/tokens.ts';
import type { AccessTokenProvider, CitiAccountListing } from '../citi/index.ts';
import { ConnectionUnusableError } from '../auth/errors.ts';
import { isSqlState } from '../db/sqlstate.ts';
import { marketClient } from './market.ts';
import { nameAndMessage } from '../log/errorText.ts';
import { CountingTokens } from './countingTokens.ts';
import { storedAccounts, upsertAccounts, type StoredAccount } from './sql/accounts.ts';
import { addRunWarnings, closeInterruptedRuns, closeOrphanedWorkerRuns, finishConnectionRun, startRun, type RunJob } from './sql/runs.ts';
import type { ConnectionRunStatus, SyncDeps, SyncTrigger } from './types.ts';

/**
 * Terminology
 * - connection run: the `sync_runs` row (account_id NULL) of one sync of one connection, with one
 *   account run under it per account. Its lifecycle is: open (sweep interrupted runs, insert),
 *   list and store the accounts, let the accounts sync, close with the roll-up of its account runs.
 * - in-process run: started by `citi-sync sync`/`demo` under the connection lock; `job_id` is NULL.
 * - worker run: started by a `sync-connection` job; `job_id` is the BullMQ job id, and the run is
 *   alive exactly while that job exists.
 *
 * Both the in-process path (connectionSync.ts) and the worker (src/queue/jobs/connectionJob.ts)
 * call these functions, so the two cannot drift apart.
 */

/**
 * Whether the BullMQ job of a worker run still exists. Passed in by the queue layer (the sync layer
 * does not know BullMQ); `accountId` says which queue (null: the connection queue).
 */
export type JobExistsProbe = (job: RunJob) => Promise<boolean>;

export interface ConnectionRun {
  connectionId: string;
  runId: string;
  tokens: ConnectionTokens;
  /** Counts the requests spent listing accounts; added to the run's own request count at the end. */
  listing: CountingTokens;
}

export interface OpenRunOptions {
  trigger: SyncTrigger;
  /** The worker job running this sync (worker runs only). */
  jobId?: string | undefined;
  /** A retried worker step reuses the run it opened the first time. */
  runId?: string | undefined;
  /**
   * Set by the worker: closes this connection's worker runs whose job no longer exists (Redis lost
   * its data, or the job was removed) as interrupted.
   */
  jobExists?: JobExistsProbe | undefined;
}

export function tokensFor(deps: SyncDeps, connectionId: string): ConnectionTokens {
  return new ConnectionTokens(
    { db: deps.db, cipher: deps.cipher, oauth: deps.client.oauth, logger: deps.logger, now: deps.now ? () => deps.now!().getTime() : undefined },
    connectionId,
  );
}

/**
 * Opens a connection run after closing the runs that can no longer finish: an in-process caller
 * holds the connection lock, so an in-process run still `running` died with its process; a worker
 * run whose job is gone has nobody left to close it.
 */
export async function openConnectionRun(deps: SyncDeps, connectionId: string, opts: OpenRunOptions): Promise<ConnectionRun> {
  if (!opts.jobId) await closeInterruptedRuns(deps.db, connectionId, null);
  if (opts.jobExists) await sweepOrphanedRuns(deps, opts.jobExists, connectionId);
  const runId = opts.runId ?? (await startRun(deps.db, { connectionId, trigger: opts.trigger, jobId: opts.jobId }));
  const tokens = tokensFor(deps, connectionId);
  return { connectionId, runId, tokens, listing: new CountingTokens(tokens) };
}

/**
 * Closes, as interrupted, the worker runs (connection and account level) whose job no longer
 * exists; of one connection, or of all. Returns how many were closed.
 */
export async function sweepOrphanedRuns(deps: SyncDeps, jobExists: JobExistsProbe, connectionId?: string): Promise<number> {
  const closed = await closeOrphanedWorkerRuns(deps.db, jobExists, connectionId);
  if (closed > 0) deps.logger.warn({ connectionId, closed }, 'closed worker runs whose job no longer exists (interrupted)');
  return closed;
}

/**
 * Lists the connection's accounts (in its market's dialect) and stores them (balances, holdings).
 * The first step of every sync, in-process or as the queue's parent job. What the listing noticed
 * without failing (an id Citi listed under several kinds, entries not synced) is logged and, with
 * `runId`, recorded on that run.
 */
export async function refreshAccounts(deps: SyncDeps, connectionId: string, tokens: AccessTokenProvider, runId?: string): Promise<StoredAccount[]> {
  const client = await marketClient(deps, connectionId);
  const listing = await client.listAccounts(tokens);
  const accounts = listing.accounts;
  const warnings = listingWarnings(listing);
  if (warnings.length > 0) {
    deps.logger.warn({ connectionId, country: client.country, warnings }, 'the account listing needs a look');
    if (runId) await addRunWarnings(deps.db, runId, warnings);
  }
  const asOf = deps.now?.() ?? new Date();
  // One transaction: a day's holdings snapshot is replaced by a delete and an insert.
  let written;
  try {
    written = await deps.db.transaction((tx) => upsertAccounts(tx, connectionId, accounts, asOf));
  } catch (err) {
    // Purged while the accounts were being listed (worker mode lists them without the sync lock).
    if (isSqlState(err, 'foreign_key_violation')) {
      throw new ConnectionUnusableError(connectionId, 'removed', 'it was deleted (connection remove --purge) while its accounts were listed', { cause: err });
    }
    throw err;
  }
  if (written.repeatedAccountIds.length > 0) {
    deps.logger.warn({ connectionId, accountIds: written.repeatedAccountIds }, 'Citi listed an account id more than once; only the first account listed under it is stored');
  }
  const stored = await storedAccounts(deps.db, connectionId);
  const current = new Set(accounts.map((a) => a.accountId));
  return stored.filter((s) => current.has(s.accountId));
}

/** Lists and stores the run's accounts, counting the requests against the run. */
export function listRunAccounts(deps: SyncDeps, run: ConnectionRun): Promise<StoredAccount[]> {
  return refreshAccounts(deps, run.connectionId, run.listing, run.runId);
}

export interface RunOutcome {
  status: ConnectionRunStatus;
  error: string | null;
}

/** A connection run's status from its accounts': "N of M accounts failed". */
export function rollUp(failed: number, total: number): RunOutcome {
  const status = failed === 0 ? 'succeeded' : failed === total ? 'failed' : 'partial';
  return { status, error: failed ? `${failed} of ${total} accounts failed` : null };
}

/** The outcome of a run that failed as a whole (listing its accounts, a token, its lock session lost). */
export function failedWith(err: unknown): RunOutcome {
  return { status: 'failed', error: nameAndMessage(err) };
}

export interface ClosedRun extends RunOutcome {
  connectionId: string;
  runId: string;
  trigger: SyncTrigger;
}

/**
 * Closes the run with the sums of its account runs, then calls the one hook for "a connection run
 * closed" (`deps.onConnectionRunClosed`). A failing hook is logged: it never changes the run.
 */
export async function closeConnectionRun(
  deps: SyncDeps,
  run: { connectionId: string; runId: string; trigger: SyncTrigger },
  outcome: RunOutcome,
  listRequests: number,
): Promise<ClosedRun> {
  await finishConnectionRun(deps.db, run.runId, outcome.status, outcome.error, listRequests);
  const closed: ClosedRun = { connectionId: run.connectionId, runId: run.runId, trigger: run.trigger, ...outcome };
  await afterConnectionRunClosed(deps, closed);
  return closed;
}

/** The hook point after a connection run closes (in-process and worker alike). */
async function afterConnectionRunClosed(deps: SyncDeps, closed: ClosedRun): Promise<void> {
  if (!deps.onConnectionRunClosed) return;
  try {
    await deps.onConnectionRunClosed(closed);
  } catch (err) {
    deps.logger.warn({ connectionId: closed.connectionId, runId: closed.runId, err: { message: nameAndMessage(err) } }, 'after-run hook failed');
  }
}

/**
 * One line per thing the listing noticed. A repeated id is not merged (§3): the first kind listed is
 * synced, the others are not, and the person is told which.
 */
export function listingWarnings(listing: CitiAccountListing): string[] {
  const out: string[] = [];
  for (const r of listing.repeated) {
    out.push(`account id ${shortId(r.accountId)} is listed as ${[r.kept, ...r.dropped].join(', ')}: only the ${r.kept} account is synced, not merged`);
  }
  for (const n of listing.notSynced) {
    out.push(`${n.kind} ${n.id === null ? '(no id)' : shortId(n.id)} in group ${n.accountGroup ?? '(unnamed)'} is not synced`);
  }
  return out;
}

function shortId(id: string): string {
  return id.length > 24 ? `${id.slice(0, 12)}…${id.slice(-8)}` : id;
}
