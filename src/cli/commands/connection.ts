import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import { addConnection } from '../../auth/consent.ts';
import { listConnections, purgeConnection } from '../../db/connections.ts';
import { cipherFromConfig } from '../encryptionKey.ts';
import { loggerFor, openApp } from '../app.ts';
import { clientFrom } from '../syncWiring.ts';
import { table } from '../table.ts';
import { CommandFailed, EXIT, UsageError } from '../exit.ts';
import { verifyConnection } from '../verifyConnection.ts';
import { describeFatal } from '../describeError.ts';
import { connectionIdArg, secondsArg } from '../validate.ts';
import { countryArg } from './countryArg.ts';
import { removeConnectionSafely, type RemovalReport } from '../connectionRemoval.ts';
import { SyncInProgressError } from '../../sync/locks.ts';
import { ConfigError } from '../../config/index.ts';
import type { Logger } from '../../log/logger.ts';
import type { CitiClient } from '../../citi/index.ts';
import type { TokenCipher } from '../../auth/crypto.ts';
import { openQueues } from '../../queue/queues.ts';
import { RedisUnavailableError, tryConnectRedis } from '../../queue/redis.ts';
import { unscheduleConnection } from '../../queue/scheduling.ts';
import { InvalidArgumentError } from 'commander';
import { IntervalError, parseInterval } from '../../queue/interval.ts';

export function registerConnection(program: Command, config: () => Config, hooks: { onAdded?: (id: string, schedule: string, cfg: Config) => Promise<void> } = {}): void {
  const conn = program.command('connection').description('manage connections (one per consenting Citi customer)');

  conn
    .command('add')
    .description('register an existing consent by its refresh token (stored encrypted)')
    .requiredOption('--id <id>', 'your id for this connection (letters, digits, - _ .)', connectionIdArg)
    .option('--refresh-token <token>', 'the refresh token from the OAuth code flow (visible to other users in `ps`: prefer --refresh-token-file)')
    .option('--refresh-token-file <path>', 'read the refresh token from this file, or from standard input with "-"')
    .option('--country <cc>', "the customer's market: US, SG, HK, AU, IN, … (default: CITI_COUNTRY)", countryArg)
    .option('--replace', 'replace the tokens of an existing connection')
    .option('--schedule <interval>', 'also schedule it: 30s, 15m, 6h or a five-field cron expression', scheduleArg)
    .option('--no-verify', 'store the token without checking it with Citi (by default: refresh it and list the accounts)')
    .action(async (o: { id: string; refreshToken?: string; refreshTokenFile?: string; country?: string; replace?: boolean; schedule?: string; verify: boolean }) => {
      const refreshToken = await refreshTokenFrom(o);
      const cfg = config();
      const logger = loggerFor(cfg);
      const cipher = cipherFromConfig(cfg, logger);
      // Built first, so missing client credentials fail before anything is stored.
      const client = o.verify ? clientFrom(cfg, logger) : undefined;
      const app = await openApp(cfg, logger);
      try {
        await addConnection(app.db, cipher, { id: o.id, refreshToken, country: o.country ?? cfg.CITI_COUNTRY }, { replace: o.replace ?? false });
        if (client) {
          try {
            const accounts = await verifyConnection(app, client, o.id);
            process.stdout.write(`connection ${o.id} added; Citi accepted the token (${accounts} account(s); the rotated token is stored)\n`);
          } catch (err) {
            // A new connection whose token does not work is not kept; a replaced one keeps its new
            // state (e.g. needs_reauth) so status shows it.
            if (!o.replace) await purgeConnection(app.db, o.id);
            throw new CommandFailed(`Citi did not accept the token for ${o.id}: ${describeFatal(err)}${o.replace ? '' : ' (nothing stored)'}`);
          }
        }
      } finally {
        await client?.close();
        await app.close();
      }
      if (!client) process.stdout.write(`connection ${o.id} added (not verified)\n`);
      if (o.schedule) {
        if (!hooks.onAdded) throw new UsageError('--schedule needs worker mode support');
        await hooks.onAdded(o.id, o.schedule, cfg);
      }
    });

  conn
    .command('list')
    .description('list connections (never shows tokens)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const cfg = config();
      const app = await openApp(cfg, loggerFor(cfg));
      try {
        const rows = await listConnections(app.db);
        if (o.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        process.stdout.write(
          table(
            ['id', 'country', 'status', 'reason', 'refresh token expires', 'created'],
            rows.map((r) => [r.id, r.country, r.status, r.statusReason ?? '', r.refreshTokenExpiresAt?.toISOString() ?? '', r.createdAt.toISOString()]),
          ),
        );
      } finally {
        await app.close();
      }
    });

  conn
    .command('remove')
    .description('stop syncing a connection: the grant is revoked at Citi, its tokens and schedule deleted, its data kept (or --purge it)')
    .requiredOption('--id <id>', 'the connection id', connectionIdArg)
    .option('--purge', 'also delete every account, transaction and run of it (run it again to delete what an interrupted purge left)')
    .option('--wait <seconds>', 'if the connection is being synced, wait this long for the sync to finish', secondsArg, 0)
    .action(async (o: { id: string; purge?: boolean; wait: number }) => {
      const cfg = config();
      const logger = loggerFor(cfg);
      const purge = o.purge ?? false;
      const { client, cipher, cannotRevoke } = revoker(cfg, logger);
      const app = await openApp(cfg, logger);
      let report: RemovalReport;
      try {
        report = await removeConnectionSafely(app.db, o.id, { purge, waitMs: o.wait * 1000, oauth: client?.oauth, cipher, cannotRevoke });
      } catch (err) {
        if (err instanceof SyncInProgressError) {
          throw new CommandFailed(`connection ${o.id} is being synced right now; nothing was changed: try again, or wait for the sync with --wait <seconds>`, EXIT.busy);
        }
        throw err;
      } finally {
        await client?.close();
        await app.close();
      }
      if (!report.found && !purge) throw new UsageError(`no connection with id ${o.id}`);
      for (const w of report.warnings) process.stderr.write(`citi-sync: warning: ${w}\n`);
      if (purge && !report.found) {
        process.stdout.write(`connection ${o.id}: nothing left to purge (it was already deleted)\n`);
        return;
      }
      // Redis only matters with a server database: worker mode cannot run on the embedded one.
      if (cfg.DATABASE_URL) {
        const warning = await unscheduleInRedis(cfg, o.id, report.schedule !== null);
        if (warning) process.stderr.write(`citi-sync: warning: ${warning}\n`);
      }
      if (report.revokedAtCiti) process.stdout.write(`connection ${o.id}: grant revoked at Citi\n`);
      if (purge && !report.existed) process.stdout.write(`connection ${o.id} was already deleted; ${report.transactions} leftover transactions deleted\n`);
      else process.stdout.write(purge ? `connection ${o.id} and its data deleted\n` : `connection ${o.id} revoked; its data is kept\n`);
    });
}

/**
 * The Citi client and cipher that revoke the grant. Without them (no client id, no key) the
 * connection is still removed here, with a warning: the person asked for it to stop.
 */
function revoker(cfg: Config, logger: Logger): { client?: CitiClient; cipher?: TokenCipher; cannotRevoke?: string } {
  try {
    return { cipher: cipherFromConfig(cfg, logger), client: clientFrom(cfg, logger) };
  } catch (err) {
    if (err instanceof ConfigError) return { cannotRevoke: `${err.key}: ${err.problem}` };
    throw err;
  }
}

/** Removes the connection's job scheduler from Redis; a line to warn with when that could not be done. */
async function unscheduleInRedis(cfg: Config, id: string, hadSchedule: boolean): Promise<string | undefined> {
  let redis;
  try {
    redis = await tryConnectRedis(cfg.REDIS_URL);
  } catch (err) {
    // No schedule was recorded: Redis being down (or absent: `sync` needs none) is nothing to report.
    if (!hadSchedule) return undefined;
    const why = err instanceof RedisUnavailableError ? err.detail : (err as Error).message;
    return `its schedule could not be removed from Redis (${why}); run \`citi-sync unschedule --connection ${id}\` when Redis is back`;
  }
  const queues = openQueues(redis, cfg.CITI_SYNC_QUEUE_PREFIX);
  try {
    await unscheduleConnection(queues, id);
    return undefined;
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

/** Refresh tokens are a few hundred bytes; a bigger input is the wrong file. */
const MAX_TOKEN_BYTES = 16 * 1024;

/**
 * The refresh token from exactly one of --refresh-token and --refresh-token-file (a path, or "-"
 * for standard input). An argument is visible to every user of the machine in `ps`; a file or a
 * pipe is not.
 */
async function refreshTokenFrom(o: { refreshToken?: string; refreshTokenFile?: string }): Promise<string> {
  if ((o.refreshToken === undefined) === (o.refreshTokenFile === undefined)) {
    throw new UsageError('give the refresh token with exactly one of --refresh-token <token> or --refresh-token-file <path|->');
  }
  if (o.refreshToken !== undefined) {
    if (!o.refreshToken.trim()) throw new UsageError('--refresh-token must not be empty');
    return o.refreshToken.trim();
  }
  const source = o.refreshTokenFile!;
  let bytes: Buffer;
  try {
    bytes = source === '-' ? await readBounded(process.stdin) : await readBounded(createReadStream(source));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--refresh-token-file: cannot read ${source === '-' ? 'standard input' : source} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const token = bytes.toString('utf8').trim();
  if (!token) throw new UsageError(`--refresh-token-file: ${source === '-' ? 'standard input' : source} is empty`);
  if (/\s/.test(token)) throw new UsageError(`--refresh-token-file: ${source === '-' ? 'standard input' : source} must hold one token (found whitespace inside it)`);
  return token;
}

async function readBounded(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size > MAX_TOKEN_BYTES) throw new UsageError(`--refresh-token-file: more than ${MAX_TOKEN_BYTES} bytes; a refresh token is much shorter`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Validated before anything is stored, so a typo in the interval adds nothing. */
function scheduleArg(text: string): string {
  try {
    parseInterval(text);
    return text;
  } catch (err) {
    if (err instanceof IntervalError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}
