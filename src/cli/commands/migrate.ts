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
        const { applied } = await migrate(app.db);
        const where = app.db.kind === 'pglite' ? 'embedded database' : 'server database';
        // Says what changed, so a deploy log shows which migrations a release brought.
        if (applied.length === 0) process.stdout.write(`database schema is up to date (${where}); nothing applied\n`);
        else process.stdout.write(`applied ${applied.length} migration(s) to the ${where}:\n${applied.map((t) => `  ${t}\n`).join('')}`);
      } finally {
        await app.close();
      }
    });
}
