import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import type { Queues } from '../../queue/queues.ts';
import { gatherStatus, type StatusReport } from '../../queue/status.ts';
import { loggerFor, openApp } from '../app.ts';
import { shortId, table } from '../table.ts';
import { listWorkers, type WorkerList } from '../../queue/heartbeat.ts';
import { cliCommand } from '../hint.ts';

export function registerStatus(program: Command, config: () => Config): void {
  program
    .command('status')
    .description('connections, their last and next sync, and failed jobs (Redis optional)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const cfg = config();
      const app = await openApp(cfg, loggerFor(cfg));
      let queues: Queues | undefined;
      let redisError: string | undefined;
      let workers: WorkerList | undefined;
      let disconnect = () => {};
      try {
        // Loaded lazily, and bullmq only once Redis answers: Redis is optional for status, and
        // ioredis with bullmq costs ~0.35 s of CPU to load, as much as the rest of the command.
        const { RedisUnavailableError, tryConnectRedis } = await import('../../queue/redis.ts');
        try {
          const redis = await tryConnectRedis(cfg.REDIS_URL, 1500);
          disconnect = () => redis.disconnect();
          const { openQueues } = await import('../../queue/queues.ts');
          queues = openQueues(redis, cfg.CITI_SYNC_QUEUE_PREFIX);
          workers = await listWorkers(redis, cfg.CITI_SYNC_QUEUE_PREFIX);
        } catch (err) {
          redisError = err instanceof RedisUnavailableError ? err.detail : (err as Error).message;
        }
        const report = await gatherStatus(app.db, queues, redisError, workers);
        process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatStatus(report));
      } finally {
        await queues?.close();
        disconnect();
        await app.close();
      }
    });
}

export function formatStatus(r: StatusReport): string {
  const out: string[] = [];
  if (r.connections.length === 0) out.push(`no connections yet: add one with \`${cliCommand('connect --id <id>')}\` or \`${cliCommand('connection add')}\`\n`);
  else {
    out.push(
      table(
        ['connection', 'state', 'accounts', 'rows', 'last run', 'outcome', 'new', 'updated', 'next run'],
        r.connections.map((c) => [
          c.id,
          c.state,
          String(c.accounts),
          String(c.liveRows),
          c.lastRun ? shortTime(c.lastRun.finishedAt ?? c.lastRun.startedAt) : 'never',
          c.lastRun ? c.lastRun.status : '-',
          c.lastRun ? String(c.lastRun.inserted) : '-',
          c.lastRun ? String(c.lastRun.updated) : '-',
          c.schedule === undefined ? '?' : c.schedule === null ? 'not scheduled' : `${c.schedule.next ? shortTime(c.schedule.next) : '-'} (${c.schedule.every ?? c.schedule.cron})`,
        ]),
      ),
    );
    for (const c of r.connections) {
      if (c.needsReconsent) out.push(`${c.id}: needs re-consent${c.stateReason ? ` (${c.stateReason})` : ''}: run ${cliCommand(`connect --id ${c.id}`)}\n`);
      else if (c.stateReason) out.push(`${c.id}: ${c.stateReason}\n`);
      else if (c.lastRun?.error) out.push(`${c.id}: last run: ${c.lastRun.error}\n`);
      for (const a of c.accountProblems) {
        const retry = a.state === 'retrying' && a.nextAttemptAt ? `, attempt ${(a.attempts ?? 0) + 1} at ${shortTime(a.nextAttemptAt)}` : '';
        out.push(`  ${shortId(a.accountId)}: ${a.state}${retry}: ${clip(a.reason)}${a.page ? ` (at ${a.page})` : ''}\n`);
      }
    }
  }
  if (!r.redis.reachable) {
    out.push(`\nRedis: ${r.redis.error}; schedules and failed jobs are not shown.\n`);
    return out.join('');
  }
  if (r.workers) {
    const { live, lost } = r.workers;
    out.push(`\nworkers: ${live.length} live${lost.length ? `, ${lost.length} lost` : ''}\n`);
    if (live.length + lost.length > 0) {
      out.push(
        table(
          ['worker', 'state', 'version', 'started', 'last beat', 'jobs'],
          [...live.map((w) => ({ w, state: 'live' })), ...lost.map((w) => ({ w, state: 'lost' }))].map(({ w, state }) => [
            `${w.host}:${w.pid}`,
            state,
            w.version,
            shortTime(w.startedAt),
            shortTime(w.lastBeatAt),
            `${w.jobsInFlight}/${w.concurrency}`,
          ]),
        ),
      );
    }
  }
  const q = r.redis.queues;
  out.push(
    '\n' +
      table(
        ['queue', 'waiting', 'active', 'delayed', 'waiting-children', 'failed', 'completed'],
        Object.entries(q).map(([name, c]) => [name, ...['waiting', 'active', 'delayed', 'waiting-children', 'failed', 'completed'].map((s) => String(c[s] ?? 0))]),
      ),
  );
  if (r.failedJobs.length > 0) {
    out.push(
      '\nfailed jobs (newest first):\n' +
        table(
          ['when', 'queue', 'connection', 'account', 'tries', 'reason'],
          r.failedJobs.slice(0, 20).map((f) => [
            f.failedAt ? shortTime(f.failedAt) : '-',
            f.queue,
            f.connectionId ?? '-',
            f.accountId ? (f.accountId.length > 20 ? `${f.accountId.slice(0, 17)}...` : f.accountId) : '-',
            String(f.attempts),
            f.reason.length > 100 ? `${f.reason.slice(0, 97)}...` : f.reason,
          ]),
        ),
    );
    if (r.failedJobs.length > 20) out.push(`(${r.failedJobs.length - 20} more: ${cliCommand('status --json')})\n`);
  }
  return out.join('');
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
