import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/index.ts';
import type { loadConfig as LoadConfigFn } from '../config/load.ts';

type LoadConfig = typeof LoadConfigFn;
import { CommandFailed, EXIT, UsageError } from './exit.ts';
import { commandNameIn, COMMANDS, registerCommands } from './commands/index.ts';
import { describeFatal } from './describeError.ts';
import { VERSION } from '../version.ts';
import { redactUrlsIn } from '../log/redactUrl.ts';

/**
 * The CLI. Global flags override environment variables of the same meaning (flag > env > .env >
 * default); config is parsed once, before any command runs, so a bad value fails at start-up with one
 * line naming the key and exit code 2.
 */
export async function buildProgram(argv: string[] = process.argv, opts: { allCommands?: boolean } = {}): Promise<Command> {
  const program = new Command('citi-sync')
    .description('Keep a Postgres database in step with Citi bank data.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--database-url <url>', 'Postgres URL (default: embedded Postgres in ./.citi-sync/db)').env('DATABASE_URL'))
    .addOption(new Option('--redis-url <url>', 'Redis URL for worker mode').env('REDIS_URL'))
    .addOption(new Option('--base-url <url>', 'Citi API base URL').env('CITI_API_BASE_URL'))
    .addOption(new Option('--data-dir <dir>', 'where the embedded database and local key live').env('CITI_SYNC_DATA_DIR'))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent').env('LOG_LEVEL'))
    .showHelpAfterError('(run citi-sync --help for usage)')
    .exitOverride();
  const name = commandNameIn(argv);
  const names = opts.allCommands ? COMMANDS.map((c) => c.name) : name ? [name] : [];
  // zod and dotenv are loaded only when a command will read the config (not for --help).
  const { loadConfig } = names.some((n) => COMMANDS.some((c) => c.name === n)) ? await import('../config/load.ts') : { loadConfig: undefined };
  await registerCommands(program, () => configFrom(program, loadConfig!), names);
  return program;
}

function configFrom(program: Command, loadConfig: LoadConfig): Config {
  const g = program.opts<{ databaseUrl?: string; redisUrl?: string; baseUrl?: string; dataDir?: string; logLevel?: string }>();
  return loadConfig({
    overrides: {
      DATABASE_URL: g.databaseUrl,
      REDIS_URL: g.redisUrl,
      CITI_API_BASE_URL: g.baseUrl,
      CITI_SYNC_DATA_DIR: g.dataDir,
      LOG_LEVEL: g.logLevel,
    },
  });
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`citi-sync: ${redactUrlsIn(err.message)}\n`);
      return EXIT.usage;
    }
    if (err instanceof CommandFailed) {
      if (err.message) process.stderr.write(`citi-sync: ${redactUrlsIn(err.message)}\n`);
      return err.exitCode;
    }
    // The net under the net: whatever the error quotes, no URL leaves with its password.
    process.stderr.write(`citi-sync: ${redactUrlsIn(describeFatal(err))}\n`);
    return EXIT.failed;
  }
}

const code = await main(process.argv);
// Let pending log writes flush, then exit with the command's code even if a handle lingers.
process.exitCode = code;
setTimeout(() => process.exit(code), 200).unref();
