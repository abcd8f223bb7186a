/**
 * deploy/ against the code: every metric the alert rules and the worker dashboard name is one the
 * worker exports, and every query of the analytics dashboard runs as the read-only role.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerMetrics } from '../../src/queue/metrics.ts';
import { openQueues, type Queues } from '../../src/queue/queues.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { randomQueuePrefix, testRedisUrl } from '../helpers/redis.ts';

const read = (f: string) => readFileSync(fileURLToPath(new URL(`../../deploy/${f}`, import.meta.url)), 'utf8');
interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr?: string; rawSql?: string }> }>;
}
const workers = JSON.parse(read('grafana/citi-sync-workers.json')) as Dashboard;
const analytics = JSON.parse(read('grafana/citi-sync-analytics.json')) as Dashboard & { templating: { list: Array<{ name: string; query?: string }> } };
const rules = parse(read('prometheus/alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };

let t: TestDatabase;
let redis: Redis;
let queues: Queues;

beforeAll(async () => {
  t = await createTestDatabase();
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  queues = openQueues(redis, randomQueuePrefix('deploy'));
});

afterAll(async () => {
  await queues?.close();
  await redis?.quit();
  await t?.drop();
});

/** Metric names in PromQL, with histogram/counter series suffixes mapped back to their metric. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bciti_sync_[a-z0-9_]+/g)].map((m) => m[0]);
}

describe('deploy/', () => {
  it('ships the five alerts the issue asks for', () => {
    expect(rules.groups.flatMap((g) => g.rules.map((r) => r.alert))).toEqual([
      'CitiSyncNoRecentSuccess',
      'CitiSyncNeedsReconsent',
      'CitiSyncRateLimited',
      'CitiSyncQueueBacklogGrowing',
      'CitiSyncWorkerLost',
      'CitiSyncNoWorkers',
    ]);
  });

  it('names only metrics the worker exports (default metrics prefixed citi_sync_ once)', async () => {
    const metrics = new WorkerMetrics({ db: t.db, defaultMetrics: true });
    metrics.watchQueues([queues.connection, queues.account, queues.refresh]);
    metrics.watchWorkers(async () => ({ live: [], lost: [] }));
    const exported = new Set<string>();
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (m.type === ('histogram' as never)) for (const s of ['_bucket', '_sum', '_count']) exported.add(m.name + s);
    }
    expect([...exported].filter((n) => n.startsWith('citi_sync_process_process_'))).toEqual([]);
    expect(exported).toContain('citi_sync_process_cpu_seconds_total');

    const named = new Set([...workers.panels.flatMap((p) => p.targets.flatMap((x) => metricsIn(x.expr ?? ''))), ...rules.groups.flatMap((g) => g.rules.flatMap((r) => metricsIn(r.expr)))]);
    const missing = [...named].filter((n) => !exported.has(n));
    expect(missing).toEqual([]);
    for (const needed of ['citi_sync_last_success_timestamp_seconds', 'citi_sync_schedule_interval_seconds', 'citi_sync_connection_needs_reconsent', 'citi_sync_workers', 'citi_sync_429_total', 'citi_sync_jobs']) {
      expect(named, needed).toContain(needed);
    }
  });

  it("runs every analytics dashboard query as citi_sync_reader (cash flow, balances, net worth, recurring)", async () => {
    expect(analytics.panels.map((p) => p.title)).toEqual(['Cash flow by month and category', 'Money in and out per month', 'Net worth per day', 'Balances per account', 'Recurring payments']);
    const queries = [...analytics.panels.map((p) => p.targets[0]!.rawSql!), ...analytics.templating.list.filter((v) => v.query?.startsWith('SELECT')).map((v) => v.query!)];
    await t.db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE citi_sync_reader');
      for (const sql of queries) {
        // Grafana's macros and variables, as it would expand them.
        const expanded = sql.replaceAll('$__timeFrom()', "'2025-01-01T00:00:00Z'").replaceAll('${currency}', 'USD');
        await expect(tx.query(expanded), sql).resolves.toBeDefined();
      }
    });
  });
});
