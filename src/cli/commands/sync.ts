import type { Command } from 'commander';
import { cliCommand } from '../hint.ts';
import type { Config } from '../../config/index.ts';
import { listConnections } from '../../db/connections.ts';
import { ConnectionUnusableError } from '../../auth/errors.ts';
import { syncConnection, SyncInProgressError, type ConnectionResult, type SyncTrigger } from '../../sync/index.ts';
import { loggerFor, openApp, type App } from '../app.ts';
import { clientFrom, syncDeps } from '../syncWiring.ts';
import { createProgress, formatSummary, totalsOf } from '../progress.ts';
import { CommandFailed, UsageError } from '../exit.ts';
import { connectionIdArg, secondsArg } from '../validate.ts';
import type { CitiClient } from '../../citi/index.ts';
import { assertKeyReadsTokens } from '../encryptionKey.ts';
import { SessionLostError } from '../../db/errors.ts';
import { boundHeapGrowth } from '../heapGrowth.ts';

export function registerSync(program: Command, config: () => Config): void {
  program
    .command('sync')
    .description('sync now, in this process (no Redis needed)')
    .option('--connection <id>', 'only this connection (default: every active one)', connectionIdArg)
    .option('--full', 'walk the whole history again instead of the incremental window')
    .option('--wait <seconds>', 'if another process is syncing the connection, wait this long for it', secondsArg, 0)
    .option('--json', 'print the run summary as JSON on stdout (failures still go to stderr and the exit code)')
    .action(async (o: { connection?: string; full?: boolean; wait: number; json?: boolean }) => {
      const cfg = config();
      boundHeapGrowth();
      const logger = loggerFor(cfg);
      const client = clientFrom(cfg, logger);
      const app = await openApp(cfg, logger);
      try {
        const results = await runSync(app, client, { connectionId: o.connection, full: o.full ?? false, waitMs: o.wait * 1000, trigger: 'cli' });
        if (o.json) process.stdout.write(JSON.stringify(syncSummaryJson(results), null, 2) + '\n');
        reportOrFail(results, { summary: !o.json });
      } finally {
        await client.close();
        await app.close();
      }
    });
}

/** `sync --json`: every connection's run and accounts (as ConnectionResult), and the totals. */
export function syncSummaryJson(results: Array<ConnectionResult | { connectionId: string; error: string }>) {
  const done = results.filter((r): r is ConnectionResult => 'accounts' in r);
  return { connections: results, totals: totalsOf(done) };
}

export async function runSync(
  app: App,
  client: CitiClient,
  o: { connectionId?: string | undefined; full: boolean; waitMs: number; trigger: SyncTrigger; now?: () => Date },
): Promise<Array<ConnectionResult | { connectionId: string; error: string }>> {
  const deps = { ...syncDeps(app, client), now: o.now };
  await assertKeyReadsTokens(app.db, deps.cipher);
  const all = await listConnections(app.db);
  const targets = o.connectionId ? all.filter((c) => c.id === o.connectionId) : all.filter((c) => c.status === 'active');
  if (o.connectionId && targets.length === 0) throw new UsageError(`no connection with id ${o.connectionId} (see: ${cliCommand('connection list')})`);
  if (targets.length === 0) throw new UsageError(`no active connections: add one with \`${cliCommand('connect --id <id>')}\` or \`${cliCommand('connection add')}\``);
  const progress = createProgress();
  const results: Array<ConnectionResult | { connectionId: string; error: string }> = [];
  try {
    for (const c of targets) {
      try {
        results.push(await syncConnection(deps, c.id, { trigger: o.trigger, full: o.full, waitMs: o.waitMs, onProgress: progress.onProgress }));
      } catch (err) {
        if (err instanceof ConnectionUnusableError || err instanceof SyncInProgressError || err instanceof SessionLostError) {
          results.push({ connectionId: c.id, error: err.message });
        } else throw err;
      }
    }
  } finally {
    progress.stop();
    // Events are sent in the background; give them a moment before the process exits.
    await deps.notifier?.flush(10_000);
  }
  return results;
}

export function reportOrFail(results: Array<ConnectionResult | { connectionId: string; error: string }>, opts: { summary?: boolean } = {}): void {
  const done = results.filter((r): r is ConnectionResult => 'accounts' in r);
  if (done.length && opts.summary !== false) process.stdout.write(formatSummary(done));
  const failures: string[] = [];
  for (const r of results) {
    if (!('accounts' in r)) failures.push(`${r.connectionId}: ${r.error}`);
    else {
      if (r.error && r.accounts.length === 0) failures.push(`${r.connectionId}: ${r.error}`);
      for (const a of r.accounts) {
        if (a.status === 'failed') failures.push(`${r.connectionId}/${a.accountId}: ${a.error ?? 'failed'}${a.errorPage ? ` (at ${a.errorPage})` : ''}`);
      }
    }
  }
  if (failures.length) {
    for (const f of failures) process.stderr.write(`failed: ${f}\n`);
    throw new CommandFailed('', 1);
  }
}
