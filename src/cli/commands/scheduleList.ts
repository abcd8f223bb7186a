import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import { parseInterval } from '../../queue/interval.ts';
import { nextCronRuns } from '../../queue/nextRuns.ts';
import { openQueues } from '../../queue/queues.ts';
import { RedisUnavailableError, tryConnectRedis } from '../../queue/redis.ts';
import { listSchedules, type ScheduleInfo } from '../../queue/scheduling.ts';
import { connectionHealth } from '../../db/connections.ts';
import { loggerFor, openApp } from '../app.ts';
import { table } from '../table.ts';

export interface ScheduleRow {
  connectionId: string;
  state: string;
  /** As recorded in Postgres (what workers restore); null: not scheduled. */
  schedule: string | null;
  /** Whether Redis has it now; undefined when Redis was not reachable. */
  inRedis: boolean | undefined;
  /** The next runs: from Redis when it has the schedule, else computed (cron only). */
  nextRuns: string[];
}

/** `citi-sync schedule list`: every connection's schedule, where it lives, and when it runs next. */
export function registerScheduleList(schedule: Command, config: () => Config): void {
  schedule
    .command('list')
    .description('every connection\'s schedule and its next runs (cron: the next three, computed as BullMQ will)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const cfg = config();
      const app = await openApp(cfg, loggerFor(cfg));
      let redisNote: string | undefined;
      let inRedis: Map<string, ScheduleInfo> | undefined;
      try {
        try {
          const redis = await tryConnectRedis(cfg.REDIS_URL, 1500);
          const queues = openQueues(redis, cfg.CITI_SYNC_QUEUE_PREFIX);
          try {
            inRedis = await listSchedules(queues.connection);
          } finally {
            await queues.close();
            redis.disconnect();
          }
        } catch (err) {
          redisNote = err instanceof RedisUnavailableError ? err.detail : (err as Error).message;
        }
        const rows = scheduleRows(await connectionHealth(app.db), inRedis);
        if (o.json) process.stdout.write(JSON.stringify({ redis: redisNote ? { reachable: false, error: redisNote } : { reachable: true }, schedules: rows }, null, 2) + '\n');
        else process.stdout.write(formatSchedules(rows, redisNote));
      } finally {
        await app.close();
      }
    });
}

export function scheduleRows(connections: Array<{ id: string; status: string; schedule: string | null }>, inRedis: Map<string, ScheduleInfo> | undefined, now = new Date()): ScheduleRow[] {
  return connections.map((c) => {
    const live = inRedis?.get(c.id);
    let nextRuns: string[] = [];
    if (c.schedule) {
      try {
        const interval = parseInterval(c.schedule);
        if (interval.kind === 'cron') nextRuns = nextCronRuns(interval.pattern, 3, now).map((d) => d.toISOString());
        else if (live?.next) nextRuns = [new Date(live.next).toISOString()];
      } catch {
        nextRuns = [];
      }
    }
    return { connectionId: c.id, state: c.status, schedule: c.schedule, inRedis: inRedis ? Boolean(live) : undefined, nextRuns };
  });
}

export function formatSchedules(rows: ScheduleRow[], redisNote?: string): string {
  const out = [
    table(
      ['connection', 'state', 'schedule', 'in redis', 'next runs (UTC)'],
      rows.map((r) => [
        r.connectionId,
        r.state,
        r.schedule ?? 'not scheduled',
        r.inRedis === undefined ? '?' : r.inRedis ? 'yes' : r.schedule ? 'no (workers restore it)' : '-',
        r.nextRuns.map((t) => t.replace('T', ' ').replace(/:00\.000Z$/, '')).join(', ') || '-',
      ]),
    ),
  ];
  if (redisNote) out.push(`\nRedis: ${redisNote}; showing the schedules recorded in Postgres.\n`);
  return out.join('');
}
