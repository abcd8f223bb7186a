/**
 * vitest globalSetup: finds a Postgres and a Redis for the integration tests and provides their
 * URLs (read them with inject('databaseUrl') / inject('redisUrl'), or through test/helpers).
 * Order: DATABASE_URL / REDIS_URL if set and reachable; else the local default ports; else, when a
 * Docker engine is available, throwaway testcontainers (stopped after the run). A missing service
 * is fatal: tests never silently skip.
 */
import { createConnection } from 'node:net';
import type { TestProject } from 'vitest/node';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of a server Postgres; tests create their own databases from it. */
    databaseUrl: string;
    redisUrl: string;
  }
}

const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<unknown>> = [];
  const candidatesPg = [process.env.DATABASE_URL, LOCAL_DATABASE_URL].filter((u): u is string => Boolean(u));
  const candidatesRedis = [process.env.REDIS_URL, LOCAL_REDIS_URL].filter((u): u is string => Boolean(u));

  let databaseUrl = await firstReachable(candidatesPg, postgresAnswers);
  let redisUrl = await firstReachable(candidatesRedis, redisAnswers);

  if (!databaseUrl || !redisUrl) {
    const missing = [!databaseUrl && 'Postgres', !redisUrl && 'Redis'].filter(Boolean).join(' and ');
    if (!(await dockerAvailable())) {
      throw new Error(
        `integration tests need ${missing}: none answers at ${[...(!databaseUrl ? candidatesPg : []), ...(!redisUrl ? candidatesRedis : [])].join(', ')}, ` +
          'and no Docker engine is available for testcontainers. Start the services (docker compose up -d) or set DATABASE_URL / REDIS_URL.',
      );
    }
    if (!databaseUrl) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:15-alpine').withUsername('postgres').withDatabase('test').start();
      stops.push(() => container.stop());
      databaseUrl = container.getConnectionUri();
    }
    if (!redisUrl) {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7-alpine').start();
      stops.push(() => container.stop());
      redisUrl = container.getConnectionUrl();
    }
  }

  project.provide('databaseUrl', databaseUrl);
  project.provide('redisUrl', redisUrl);
  return async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
}

async function firstReachable(urls: string[], answers: (url: string) => Promise<boolean>): Promise<string | undefined> {
  for (const url of urls) if (await answers(url)) return url;
  return undefined;
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A raw PING: avoids loading a Redis client in the main vitest process. */
function redisAnswers(url: string): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  if (u.protocol !== 'redis:') return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      const auth = u.password ? `AUTH ${u.username ? `${decodeURIComponent(u.username)} ` : ''}${decodeURIComponent(u.password)}\r\n` : '';
      socket.write(`${auth}PING\r\n`);
    });
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      if (buffered.includes('+PONG')) done(true);
      else if (buffered.includes('-')) done(false);
    });
  });
}

async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}
