import { Option, type Command } from 'commander';
import type { Config } from '../../config/index.ts';
import type { CitiClient } from '../../citi/index.ts';
import { openDatabase } from '../../db/open.ts';
import { poolSizeFor } from '../../sync/poolSize.ts';
import { checkMigrated } from '../../db/migrate.ts';
import type { Logger } from '../../log/logger.ts';
import { CountingGate } from '../../queue/countingGate.ts';
import { WorkerMetrics } from '../../queue/metrics.ts';
import { RedisGate } from '../../queue/redisGate.ts';
import { connectRedis, tryConnectRedis } from '../../queue/redis.ts';
import { startOpsServer, type OpsServer } from '../../queue/server.ts';
import { startWorkers, type WorkerSet } from '../../queue/workers.ts';
import { listWorkers, startHeartbeat, type Heartbeat } from '../../queue/heartbeat.ts';
import { VERSION } from '../../version.ts';
import { notifierFrom } from '../../notify/fromConfig.ts';
import { openQueues, type Queues } from '../../queue/queues.ts';
import { loggerFor } from '../app.ts';
import { clientFrom, syncDepsFrom } from '../syncWiring.ts';
import { assertKeyReadsTokens, cipherFromConfig } from '../encryptionKey.ts';
import { UsageError } from '../exit.ts';
import { underNpm, watchParent } from '../parentWatch.ts';
import { boundedIntArg, portArg, positiveIntArg, secondsArg } from '../validate.ts';
import { boundHeapGrowth } from '../heapGrowth.ts';

interface WorkerFlags {
  concurrency?: number;
  metricsPort?: number;
  metricsHost?: string;
  dashboard?: boolean;
  grace: number;
  lockDuration: number;
  stalledInterval: number;
}

export function registerWorker(program: Command, config: () => Config): void {
  program
    .command('worker')
    .description('run queue workers: scheduled syncs, one job per account, consent refreshes (needs Redis and DATABASE_URL)')
    .option('--concurrency <n>', 'jobs at once per queue in this process, 1-256 (default: CITI_SYNC_WORKER_CONCURRENCY)', boundedIntArg(1, 256))
    .option('--metrics-port <port>', 'serve /metrics (Prometheus) and /healthz on this port', portArg)
    .option('--metrics-host <host>', 'the address to serve them on (default: CITI_SYNC_METRICS_HOST, 127.0.0.1); 0.0.0.0 for every interface')
    .option('--dashboard', 'also serve the bull-board dashboard at /admin/queues (needs --metrics-port); read-only unless CITI_SYNC_DASHBOARD_TOKEN is set')
    .option('--grace <seconds>', 'on SIGTERM, wait this long for running jobs to reach a page boundary', secondsArg, 30)
    .addOption(new Option('--lock-duration <ms>', 'job lock lifetime; a killed worker\'s jobs move on after about this plus --stalled-interval').argParser(positiveIntArg).default(30_000))
    .addOption(new Option('--stalled-interval <ms>', 'how often to look for jobs of dead workers').argParser(positiveIntArg).default(15_000))
    .action(async (o: WorkerFlags) => {
      const cfg = config();
      boundHeapGrowth();
      if (!cfg.DATABASE_URL) {
        throw new UsageError('worker mode needs a server Postgres: set DATABASE_URL (the embedded database serves one local process only)');
      }
      if (o.dashboard && o.metricsPort === undefined) throw new UsageError('--dashboard needs --metrics-port <port>');
      if (o.metricsHost !== undefined && !o.metricsHost.trim()) throw new UsageError('--metrics-host must not be empty');
      await runWorker(cfg, loggerFor(cfg), o);
    });
}

async function runWorker(cfg: Config, logger: Logger, o: WorkerFlags): Promise<void> {
  const concurrency = o.concurrency ?? cfg.CITI_SYNC_WORKER_CONCURRENCY;
  const cipher = cipherFromConfig(cfg, logger);
  const notifier = notifierFrom(cfg, logger);
  // Fail at start-up with one line when Redis is down, instead of waiting for it forever.
  (await tryConnectRedis(cfg.REDIS_URL)).disconnect();
  // Each running account job holds a session for its advisory lock and needs another for its pages.
  const db = await openDatabase({ url: cfg.DATABASE_URL, poolSize: poolSizeFor(concurrency, cfg.CITI_WINDOW_CONCURRENCY), applicationName: 'citi-sync-worker', logger });
  const redis = connectRedis(cfg.REDIS_URL);
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  let client: CitiClient | undefined;
  let server: OpsServer | undefined;
  let heartbeat: Heartbeat | undefined;
  let queues: Queues | undefined;
  const closeRest = async () => {
    await heartbeat?.stop().catch(() => undefined);
    await server?.close();
    await queues?.close();
    await client?.close();
    await redis.quit().catch(() => redis.disconnect());
    await db.close();
  };
  let set: WorkerSet;
  const metrics = new WorkerMetrics({ db, defaultMetrics: true });
  try {
    await checkMigrated(db);
    await assertKeyReadsTokens(db, cipher);
    const prefix = cfg.CITI_SYNC_QUEUE_PREFIX;
    const shared = new RedisGate(redis, {
      prefix,
      ratePerSecond: cfg.CITI_MAX_REQUESTS_PER_SECOND,
      burst: cfg.CITI_REQUEST_BURST ?? Math.max(1, Math.ceil(cfg.CITI_MAX_REQUESTS_PER_SECOND)),
      maxPauseMs: cfg.CITI_MAX_RETRY_AFTER_S * 1000,
    });
    const gate = new CountingGate(shared, () => metrics.rateLimited.inc());
    client = clientFrom(cfg, logger, gate, { onRequest: (e) => metrics.recordRequest(e.status === 'error' ? 0 : e.status) });
    const deps = syncDepsFrom(cfg, logger, { db, client, cipher }, notifier);
    // The ops port is bound before any worker takes a job: a port in use or a bad host then stops
    // the start with one line, instead of failing after jobs were taken. So the queues are opened
    // first, and the dashboard and the workers share them.
    queues = openQueues(redis, prefix);
    if (o.metricsPort !== undefined) {
      try {
        server = await startOpsServer({
          port: o.metricsPort,
          host: o.metricsHost?.trim() ?? cfg.CITI_SYNC_METRICS_HOST,
          metrics,
          logger,
          checks: { redis: () => redis.ping(), postgres: () => db.query('SELECT 1') },
          dashboard: o.dashboard ? { queues: [queues.connection, queues.account, queues.refresh], token: cfg.CITI_SYNC_DASHBOARD_TOKEN } : undefined,
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES' || code === 'EAI_AGAIN') {
          throw new UsageError(`--metrics-host/--metrics-port: cannot listen on ${o.metricsHost?.trim() ?? cfg.CITI_SYNC_METRICS_HOST}:${o.metricsPort} (${code})`);
        }
        throw err;
      }
    }
    set = await startWorkers({
      connection: redis,
      prefix,
      queues,
      deps,
      concurrency,
      metrics,
      lockDurationMs: o.lockDuration,
      stalledIntervalMs: o.stalledInterval,
    });
    metrics.watchQueues([queues.connection, queues.account, queues.refresh]);
    let inFlight = 0;
    for (const w of set.workers) {
      w.on('active', () => inFlight++);
      w.on('completed', () => (inFlight = Math.max(0, inFlight - 1)));
      w.on('failed', () => (inFlight = Math.max(0, inFlight - 1)));
    }
    heartbeat = await startHeartbeat(redis, { prefix, version: VERSION, concurrency, jobsInFlight: () => inFlight, logger });
    metrics.watchWorkers(() => listWorkers(redis, prefix));
  } catch (err) {
    await closeRest();
    throw err;
  }

  const signal = await nextSignal(logger);
  logger.info({ signal, graceSeconds: o.grace }, 'shutting down: finishing current pages');
  // A second signal means "now": the jobs' locks lapse and other workers take them over.
  const again = () => {
    logger.warn('second signal: exiting without waiting');
    process.exit(130);
  };
  process.once('SIGTERM', again);
  process.once('SIGINT', again);
  const clean = await set.close(o.grace * 1000);
  await notifier?.flush(10_000);
  await closeRest();
  logger.info({ clean }, 'worker stopped');
}

function nextSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let unwatch = () => {};
    const on = (s: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      unwatch();
      resolve(s);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
    if (underNpm()) {
      logger.warn('started through npm, which does not pass SIGTERM on: stopping when npm exits (run node_modules/.bin/citi-sync directly instead)');
      unwatch = watchParent(() => on('SIGTERM'));
    }
  });
}

/**
 * clientFrom with the client's per-request hook for metrics. clientFrom (src/cli/syncWiring.ts) does not
 * take hooks yet; the extra argument is passed so the hook works as soon as it does.
 */
