import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import { QueryRefusedError, ReadOnlyQueryUnavailableError, readOnlyQuery, type ReadOnlyResult, type ReadOnlyValue } from '../../db/readOnlyQuery.ts';
import { loggerFor, openApp } from '../app.ts';
import { table } from '../table.ts';
import { CommandFailed, UsageError } from '../exit.ts';

/**
 * Runs one read-only query against the configured database and prints a table. It is how a user of
 * the embedded database (which psql cannot reach) tries the analytics views; it works on a server
 * database too. The query runs with the rights of the reader role only (src/db/readOnlyQuery.ts).
 */
export function registerSql(program: Command, config: () => Config): void {
  program
    .command('sql')
    .description('run one read-only query with the rights of citi_sync_reader (the analytics views) and print the result')
    .argument('<query>', 'one SELECT, WITH … SELECT, VALUES or TABLE query')
    .option('--json', 'print rows as JSON')
    .action(async (query: string, o: { json?: boolean }) => {
      const cfg = config();
      const app = await openApp(cfg, loggerFor(cfg));
      let result: ReadOnlyResult;
      try {
        result = await readOnlyQuery(app.db, query);
      } catch (err) {
        if (err instanceof QueryRefusedError) throw new UsageError(`query refused: ${err.message}`);
        if (err instanceof ReadOnlyQueryUnavailableError) throw new CommandFailed(err.message);
        throw err;
      } finally {
        await app.close();
      }
      if (o.json) {
        const objects = result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]])));
        process.stdout.write(JSON.stringify(objects, null, 2) + '\n');
        return;
      }
      process.stdout.write(table(result.columns, result.rows.map((r) => r.map(show))));
      process.stdout.write(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`);
    });
}

function show(v: ReadOnlyValue): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
