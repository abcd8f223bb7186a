import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import { openApp, loggerFor } from '../app.ts';
import { migrate } from '../../db/migrate.ts';

export function registerMigrate(program: Command, config: () => Config): void {
  program
    .command('migrate')
    .description('apply the database migrations (idempotent; safe when several processes run it at once)')
    .action(async () => {
      const cfg = config();
      const logger = loggerFor(cfg);
      const app = await openApp(cfg, logger, { requireMigrated: false });
      try {
        await migrate(app.db);
        process.stdout.write(`migrations applied (${app.db.kind === 'pglite' ? 'embedded database' : 'server database'})\n`);
      } finally {
        await app.close();
      }
    });
}
