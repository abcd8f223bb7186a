import type { Command } from 'commander';
import type * as Undici from 'undici';
import { requireCommonJs } from '../../commonJs.ts';
import { cliCommand } from '../hint.ts';
import type { Config } from '../../config/index.ts';
import { ClientCredentialsError, ReauthRequiredError } from '../../citi/errors.ts';
import { TOKEN_PATH } from '../../citi/oauth.ts';
import { getConnection, listConnections } from '../../db/connections.ts';
import type { Database } from '../../db/database.ts';
import { checkMigrated } from '../../db/migrate.ts';
import { createLogger } from '../../log/logger.ts';
import { tryConnectRedis } from '../../queue/redis.ts';
import { openApp } from '../app.ts';
import { clientFrom } from '../syncWiring.ts';
import { describeFatal } from '../describeError.ts';
import { cipherFromConfig } from '../encryptionKey.ts';
import { CommandFailed } from '../exit.ts';

/** Beyond this, token lifetimes (refreshed a minute early) and Citi's request timestamps go wrong. */
const MAX_SKEW_SECONDS = 30;
const PROBE_TIMEOUT_MS = 10_000;

type Outcome = { ok: true; detail: string } | { ok: false; detail: string } | { skipped: string };

/**
 * `citi-sync doctor`: one line per check of what a sync needs, in order, and exit 1 if any failed.
 * Checks that need an earlier one (the tokens need the database) are skipped, saying why.
 */
export function registerDoctor(program: Command, config: () => Config): void {
  program
    .command('doctor')
    .description('check the set-up: config, database, Redis, Citi token endpoint, encryption key, clock; exit 1 if any check fails')
    .action(async () => {
      const lines: string[] = [];
      let failed = 0;
      const report = (name: string, o: Outcome) => {
        if ('skipped' in o) lines.push(`- ${name}: skipped (${o.skipped})`);
        else {
          if (!o.ok) failed++;
          lines.push(`${o.ok ? 'ok' : 'FAIL'} ${name}: ${o.detail}`);
        }
        process.stdout.write(`${lines.at(-1)}\n`);
      };

      let cfg: Config;
      try {
        cfg = config();
        report('config', { ok: true, detail: `parsed (${cfg.DATABASE_URL ? 'server Postgres' : 'embedded Postgres'}, Citi at ${new URL(cfg.CITI_API_BASE_URL).origin})` });
      } catch (err) {
        report('config', { ok: false, detail: describeFatal(err) });
        throw new CommandFailed('', 1);
      }
      const logger = createLogger({ level: 'silent' });

      let db: Database | undefined;
      try {
        const app = await openApp(cfg, logger, { requireMigrated: false });
        db = app.db;
        await db.query('SELECT 1');
        report('database', { ok: true, detail: `reachable (${db.kind === 'pglite' ? 'embedded' : 'server'})` });
        try {
          await checkMigrated(db);
          report('migrations', { ok: true, detail: 'schema is current' });
        } catch (err) {
          report('migrations', { ok: false, detail: `${describeFatal(err)} (run: ${cliCommand('migrate')})` });
        }
      } catch (err) {
        report('database', { ok: false, detail: describeFatal(err) });
        report('migrations', { skipped: 'no database' });
      }

      report('redis', await checkRedis(cfg));
      const { token, skew } = await checkCiti(cfg, logger);
      report('citi token endpoint', token);
      report('clock', skew);
      report('encryption key', db ? await checkTokens(cfg, db, logger) : { skipped: 'no database' });
      await db?.close();
      if (failed > 0) throw new CommandFailed(`${failed} check(s) failed`, 1);
    });
}

async function checkRedis(cfg: Config): Promise<Outcome> {
  try {
    const redis = await tryConnectRedis(cfg.REDIS_URL, 2000);
    redis.disconnect();
    return { ok: true, detail: `reachable at ${new URL(cfg.REDIS_URL).host}` };
  } catch (err) {
    // Only worker mode and schedules need Redis; `sync` runs without it.
    return { ok: false, detail: `${describeFatal(err)} (needed by worker, schedule; not by sync)` };
  }
}

/**
 * Asks the token endpoint to refresh a token that cannot exist: `invalid_grant` proves the endpoint
 * answers and accepted our client credentials, and changes nothing. Its Date header gives the clock.
 */
async function checkCiti(cfg: Config, logger: ReturnType<typeof createLogger>): Promise<{ token: Outcome; skew: Outcome }> {
  let token: Outcome;
  try {
    const client = clientFrom(cfg, logger);
    try {
      await client.oauth.refresh('citi-sync-doctor-probe-not-a-token');
      token = { ok: false, detail: 'accepted a made-up refresh token: is CITI_API_BASE_URL really Citi?' };
    } catch (err) {
      if (err instanceof ReauthRequiredError) token = { ok: true, detail: 'reachable; client credentials accepted' };
      else if (err instanceof ClientCredentialsError) token = { ok: false, detail: `client credentials rejected: ${err.message}` };
      else token = { ok: false, detail: describeFatal(err) };
    } finally {
      await client.close();
    }
  } catch (err) {
    token = { ok: false, detail: describeFatal(err) };
  }

  let skew: Outcome;
  // Required here, not when the module loads (see src/commonJs.ts): ~0.1 s of CPU that the config,
  // database and Redis checks, which come first, should not wait behind.
  const { request, Agent } = requireCommonJs('undici') as typeof Undici;
  const dispatcher = new Agent({ connect: { timeout: PROBE_TIMEOUT_MS, ...(cfg.tls ?? {}) } });
  try {
    const started = Date.now();
    const res = await request(cfg.CITI_API_BASE_URL.replace(/\/+$/, '') + TOKEN_PATH, { method: 'HEAD', dispatcher, headersTimeout: PROBE_TIMEOUT_MS, bodyTimeout: PROBE_TIMEOUT_MS });
    await res.body.dump();
    const date = res.headers.date;
    const theirs = typeof date === 'string' ? Date.parse(date) : NaN;
    if (Number.isNaN(theirs)) skew = { skipped: 'no Date header in the answer' };
    else {
      // The header has one-second resolution; compare with the middle of the round trip.
      const ours = (started + Date.now()) / 2;
      const seconds = Math.round((ours - theirs) / 1000);
      skew = Math.abs(seconds) <= MAX_SKEW_SECONDS
        ? { ok: true, detail: `within ${Math.max(1, Math.abs(seconds))} s of Citi's` }
        : { ok: false, detail: `${Math.abs(seconds)} s ${seconds > 0 ? 'ahead of' : 'behind'} Citi's (more than ${MAX_SKEW_SECONDS} s): sync the clock (NTP)` };
    }
  } catch (err) {
    skew = { skipped: `Citi not reachable: ${describeFatal(err)}` };
  } finally {
    await dispatcher.close();
  }
  return { token, skew };
}

/** Decrypts every stored refresh token (nothing is sent anywhere): the key in use must open them all. */
async function checkTokens(cfg: Config, db: Database, logger: ReturnType<typeof createLogger>): Promise<Outcome> {
  let cipher;
  try {
    cipher = cipherFromConfig(cfg, logger);
  } catch (err) {
    return { ok: false, detail: describeFatal(err) };
  }
  let connections;
  try {
    connections = await listConnections(db);
  } catch (err) {
    return { skipped: describeFatal(err) };
  }
  const unreadable: string[] = [];
  let checked = 0;
  for (const c of connections) {
    const record = await getConnection(db, c.id);
    if (!record?.refreshTokenEnc) continue;
    checked++;
    try {
      cipher.decrypt(record.refreshTokenEnc);
    } catch {
      unreadable.push(c.id);
    }
  }
  if (unreadable.length > 0) {
    return { ok: false, detail: `cannot decrypt the tokens of ${unreadable.length} of ${checked} connection(s) (${unreadable.slice(0, 5).join(', ')}): wrong CITI_SYNC_ENCRYPTION_KEY, or an old key missing from CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS` };
  }
  return { ok: true, detail: checked === 0 ? 'valid (no stored tokens yet)' : `opens the stored tokens of all ${checked} connection(s)` };
}
