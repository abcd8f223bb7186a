import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import { loggerFor, openApp } from '../app.ts';
import { table } from '../progress.ts';
import { UsageError } from '../exit.ts';

/**
 * Runs one read-only query against the configured database and prints a table. It is how a user of
 * the embedded database (which psql cannot reach) tries the analytics views; it works on a server
 * database too. The query runs in a READ ONLY transaction, so it cannot change data.
 */
export function registerSql(program: Command, config: () => Config): void {
  program
    .command('sql')
    .description('run a read-only SQL query (e.g. on the analytics views) and print the result')
    .argument('<query>', 'the SQL query')
    .option('--json', 'print rows as JSON')
    .action(async (query: string, o: { json?: boolean }) => {
      const cfg = config();
      const app = await openApp(cfg, loggerFor(cfg));
      try {
        let rows: Array<Record<string, unknown>>;
        try {
          rows = await app.db.transaction(async (tx) => {
            await tx.query('SET TRANSACTION READ ONLY');
            return (await tx.query<Record<string, unknown>>(query)).rows;
          });
        } catch (err) {
          throw new UsageError(`query failed: ${(err as Error).message}`);
        }
        if (o.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        const cols = rows[0] ? Object.keys(rows[0]) : [];
        process.stdout.write(table(cols, rows.map((r) => cols.map((c) => show(r[c])))));
        process.stdout.write(`(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
      } finally {
        await app.close();
      }
    });
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
