import type { Command } from 'commander';
import { cliCommand } from '../hint.ts';
import type { Config } from '../../config/index.ts';
import { IntervalError, parseInterval, type Interval } from '../../queue/interval.ts';
import { openQueues, type Queues } from '../../queue/queues.ts';
import { RedisUnavailableError, tryConnectRedis } from '../../queue/redis.ts';
import { listSchedules, recordSchedules as recordSchedulesInDb, scheduleConnection, unscheduleConnection } from '../../queue/scheduling.ts';
import { activeConnectionIds, connectionState } from '../../db/connections.ts';
import { loggerFor, openApp } from '../app.ts';
import { CommandFailed, UsageError } from '../exit.ts';
import { cronProblem, nextCronRuns } from '../../queue/nextRuns.ts';
import { connectionIdArg } from '../validate.ts';

interface Selector {
  connection?: string;
  all?: boolean;
}

export function registerSchedule(program: Command, config: () => Config): void {
  program
    .command('schedule')
    .description('sync connections on an interval, run by `citi-sync worker` (idempotent: re-run to change it)')
    .option('--connection <id>', 'this connection', connectionIdArg)
    .option('--all', 'every active connection now (a connection added later needs `connection add --schedule`)')
    .option('--every <interval>', 'e.g. 30s, 15m, 6h, 1d, or a five-field cron expression in UTC ("0 */6 * * *")')
    .action(async (o: Selector & { every?: string }) => {
      // Not a commander requiredOption: it would be demanded of `schedule list` too.
      if (o.every === undefined) throw new UsageError(`required option '--every <interval>' not specified (or: ${cliCommand('schedule list')})`);
      checkSelector(o);
      const interval = intervalArg(o.every);
      const cfg = config();
      const ids = await targets(cfg, o);
      await withQueues(cfg, async (queues) => {
        for (const id of ids) {
          const { next } = await scheduleConnection(queues, id, interval);
          process.stdout.write(`${id}: ${describe(interval)}${next ? `, next run ${new Date(next).toISOString()}` : ''}\n`);
        }
      });
      await recordSchedules(cfg, ids, interval.text);
      if (ids.length === 0) process.stdout.write('no active connections to schedule\n');
    });

  program
    .command('unschedule')
    .description('stop the scheduled syncs of connections (a sync already running finishes)')
    .option('--connection <id>', 'this connection', connectionIdArg)
    .option('--all', 'every connection that has a schedule')
    .action(async (o: Selector) => {
      checkSelector(o);
      const cfg = config();
      await withQueues(cfg, async (queues) => {
        const ids = o.connection ? [o.connection] : await scheduledIds(queues);
        let removed = 0;
        for (const id of ids) if (await unscheduleConnection(queues, id)) removed += 1;
        if (o.connection && removed === 0) process.stdout.write(`${o.connection} had no schedule\n`);
        else process.stdout.write(`removed ${removed} schedule(s)\n`);
        await recordSchedules(cfg, ids, null, { all: Boolean(o.all) });
      });
    });
}

/** The hook `connection add --schedule` calls once the connection is stored. */
export async function scheduleAdded(id: string, every: string, cfg: Config): Promise<void> {
  const interval = intervalArg(every);
  await withQueues(cfg, async (queues) => {
    const { next } = await scheduleConnection(queues, id, interval);
    process.stdout.write(`${id}: scheduled ${describe(interval)}${next ? `, next run ${new Date(next).toISOString()}` : ''}\n`);
  });
  await recordSchedules(cfg, [id], interval.text);
}

function checkSelector(o: Selector): void {
  if (Boolean(o.connection) === Boolean(o.all)) throw new UsageError('choose either --connection <id> or --all');
}

function intervalArg(text: string): Interval {
  try {
    const interval = parseInterval(text);
    // What BullMQ's cron library rejects (a date that never comes) fails here, not in the worker.
    const problem = interval.kind === 'cron' ? cronProblem(interval.pattern) : undefined;
    if (problem && interval.kind === 'cron') throw new UsageError(`--every: "${interval.pattern}" is not a cron expression BullMQ can run: ${problem}`);
    return interval;
  } catch (err) {
    if (err instanceof IntervalError) throw new UsageError(`--every: ${err.message}`);
    throw err;
  }
}

function describe(i: Interval): string {
  if (i.kind === 'every') return `every ${i.text}`;
  const next = nextCronRuns(i.pattern, 3).map((d) => d.toISOString().replace('T', ' ').replace(/:00\.000Z$/, ''));
  return `on cron "${i.pattern}" (UTC, at a per-connection second; next: ${next.join(', ')})`;
}

async function targets(cfg: Config, o: Selector): Promise<string[]> {
  const app = await openApp(cfg, loggerFor(cfg));
  try {
    if (o.all) return await activeConnectionIds(app.db);
    const state = await connectionState(app.db, o.connection!);
    if (!state) throw new UsageError(`no connection with id ${o.connection} (see: ${cliCommand('connection list')})`);
    if (state.status !== 'active') throw new UsageError(`connection ${o.connection} is ${state.status}; it cannot be synced until it is active again`);
    return [o.connection!];
  } finally {
    await app.close();
  }
}

async function scheduledIds(queues: Queues): Promise<string[]> {
  return [...(await listSchedules(queues.connection)).keys()];
}

async function withQueues(cfg: Config, fn: (queues: Queues) => Promise<void>): Promise<void> {
  let redis;
  try {
    redis = await tryConnectRedis(cfg.REDIS_URL);
  } catch (err) {
    throw new CommandFailed(`${err instanceof RedisUnavailableError ? err.detail : (err as Error).message}: schedules live in Redis (REDIS_URL)`);
  }
  const queues = openQueues(redis, cfg.CITI_SYNC_QUEUE_PREFIX);
  try {
    await fn(queues);
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

/** Opens the database for scheduling's bookkeeping (src/queue/scheduling.ts recordSchedules). */
async function recordSchedules(cfg: Config, ids: string[], schedule: string | null, opts: { all?: boolean } = {}): Promise<void> {
  const app = await openApp(cfg, loggerFor(cfg));
  try {
    await recordSchedulesInDb(app.db, ids, schedule, opts);
  } finally {
    await app.close();
  }
}
