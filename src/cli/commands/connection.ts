import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import { addConnection } from '../../auth/consent.ts';
import { listConnections, removeConnection } from '../../db/connections.ts';
import { cipherFromConfig } from '../encryptionKey.ts';
import { loggerFor, openApp } from '../app.ts';
import { table } from '../progress.ts';
import { UsageError } from '../exit.ts';
import { connectionIdArg } from '../validate.ts';
import { InvalidArgumentError } from 'commander';
import { IntervalError, parseInterval } from '../../queue/interval.ts';

export function registerConnection(program: Command, config: () => Config, hooks: { onAdded?: (id: string, schedule: string, cfg: Config) => Promise<void> } = {}): void {
  const conn = program.command('connection').description('manage connections (one per consenting Citi customer)');

  conn
    .command('add')
    .description('register an existing consent by its refresh token (stored encrypted)')
    .requiredOption('--id <id>', 'your id for this connection (letters, digits, - _ .)', connectionIdArg)
    .requiredOption('--refresh-token <token>', 'the refresh token from the OAuth code flow')
    .option('--replace', 'replace the tokens of an existing connection')
    .option('--schedule <interval>', 'also schedule it: 30s, 15m, 6h or a five-field cron expression', scheduleArg)
    .action(async (o: { id: string; refreshToken: string; replace?: boolean; schedule?: string }) => {
      const cfg = config();
      const logger = loggerFor(cfg);
      if (!o.refreshToken.trim()) throw new UsageError('--refresh-token must not be empty');
      const cipher = cipherFromConfig(cfg, logger);
      const app = await openApp(cfg, logger);
      try {
        await addConnection(app.db, cipher, { id: o.id, refreshToken: o.refreshToken.trim() }, { replace: o.replace ?? false });
      } finally {
        await app.close();
      }
      process.stdout.write(`connection ${o.id} added\n`);
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
            ['id', 'status', 'reason', 'refresh token expires', 'created'],
            rows.map((r) => [r.id, r.status, r.statusReason ?? '', r.refreshTokenExpiresAt?.toISOString() ?? '', r.createdAt.toISOString()]),
          ),
        );
      } finally {
        await app.close();
      }
    });

  conn
    .command('remove')
    .description('stop syncing a connection: its tokens are deleted, its data kept (or --purge it)')
    .requiredOption('--id <id>', 'the connection id', connectionIdArg)
    .option('--purge', 'also delete every account, transaction and run of it')
    .action(async (o: { id: string; purge?: boolean }) => {
      const cfg = config();
      const app = await openApp(cfg, loggerFor(cfg));
      try {
        const removed = await removeConnection(app.db, o.id, { purge: o.purge ?? false });
        if (!removed) throw new UsageError(`no connection with id ${o.id}`);
        process.stdout.write(o.purge ? `connection ${o.id} and its data deleted\n` : `connection ${o.id} revoked; its data is kept\n`);
      } finally {
        await app.close();
      }
    });
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
