/**
 * `npm run bench:startup`: the CPU each command of the built package spends before it opens its first
 * TCP connection, and in all (issue #14: `--help`, `status` and `sync` within 0.4 s). Runs
 * `node bin/citi-sync.js …` exactly as a user's shell would, against a fresh migrated database,
 * Redis, and the simulator with one connected user, so that status and sync take their real path.
 * CPU, not wall time: the machine these run on is shared, and CPU moves far less with its load.
 *
 *   npm run build && npm run bench:startup [-- --runs 7] [-- --only=--help,sync] [-- --cpu-prof DIR]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { connectUsers } from './lib/connections.ts';
import { createBenchDatabase } from './lib/db.ts';
import { startSandboxProcess } from './lib/sandbox.ts';
import { DEFAULT_ADMIN_URL } from '../test/helpers/scratchDb.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const probe = new URL('./lib/firstConnectionProbe.js', import.meta.url).href;

const COMMANDS: Record<string, string[]> = {
  '--help': ['--help'],
  status: ['status'],
  sync: ['sync'],
  doctor: ['doctor'],
};

interface Sample {
  firstConnection: number | null;
  total: number;
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    // Another entry script to compare (a build variant); it must run the CLI as bin/citi-sync.js does.
    bin: { type: 'string', default: join(root, 'bin', 'citi-sync.js') },
  },
});
const runs = Number(values.runs);
const names = values.only ? values.only.split(',') : Object.keys(COMMANDS);

if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  console.error('bench:startup measures the built package: run `npm run build` first');
  process.exit(2);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const fmt = (s: number | null): string => (s === null ? '-' : s.toFixed(2));

const adminUrl = process.env.DATABASE_URL ?? DEFAULT_ADMIN_URL;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// status opens the queues, which writes their meta keys: a prefix of this run's own, deleted after.
const queuePrefix = `{bench-startup-${process.pid}}`;
const db = await createBenchDatabase(adminUrl, 'startup');
const sandbox = await startSandboxProcess({ seed: 1, autoConsent: true, rateLimit: false, profile: { users: 1, accountsPerUser: 2, transactionsPerAccount: 50 } });
try {
  const conn = await connectUsers(db.db, sandbox, 1);
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    CITI_SYNC_QUEUE_PREFIX: queuePrefix,
    CITI_API_BASE_URL: sandbox.url,
    CITI_CLIENT_ID: sandbox.clientId,
    CITI_CLIENT_SECRET: sandbox.clientSecret,
    CITI_SYNC_ENCRYPTION_KEY: conn.encryptionKey,
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: '',
  };
  const profDir = values['cpu-prof'];
  console.log(`node ${process.version}, ${runs} runs per command, median CPU seconds (user + system); load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('command    first connection   total   (all runs: first/total)');
  for (const name of names) {
    const args = COMMANDS[name];
    if (!args) throw new Error(`unknown command ${name}; one of ${Object.keys(COMMANDS).join(', ')}`);
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      const flags = ['--import', probe, ...(profDir && i === 0 ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name.replace(/^-+/, '')}.cpuprofile`] : [])];
      const run = spawnSync(process.execPath, [...flags, values.bin, ...args], { env, encoding: 'utf8', cwd: root });
      const line = /^STARTUP_CPU (.*)$/m.exec(run.stderr);
      if (!line || run.status !== 0) {
        throw new Error(`citi-sync ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
      }
      samples.push(JSON.parse(line[1]!) as Sample);
    }
    const firsts = samples.map((s) => s.firstConnection).filter((s): s is number => s !== null);
    const first = firsts.length ? median(firsts) : null;
    console.log(
      `${name.padEnd(10)} ${fmt(first).padStart(16)} ${fmt(median(samples.map((s) => s.total))).padStart(7)}   (${samples.map((s) => `${fmt(s.firstConnection)}/${fmt(s.total)}`).join(' ')})`,
    );
  }
  if (profDir) console.log(`CPU profiles of each command's first run: ${profDir}`);
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await sandbox.close();
  await db.drop();
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${queuePrefix}:*`, count: 500 }) as AsyncIterable<string[]>) keys.push(...batch);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
