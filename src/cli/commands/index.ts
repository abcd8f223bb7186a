import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';

type Register = (program: Command, config: () => Config) => void;

interface CommandEntry {
  name: string;
  /** Shown by `citi-sync --help`; must equal the description the command registers (a test checks). */
  description: string;
  /** Loads the command's module only when it runs: most commands pull in heavy libraries. */
  load(): Promise<Register>;
}

/**
 * Every command, in help order. Loading them all would cost about a second of CPU at every start
 * (bullmq, undici, drizzle, pglite…), so only the command being run is loaded; the others are listed
 * by name and description for `--help`.
 */
export const COMMANDS: CommandEntry[] = [
  { name: 'demo', description: 'zero setup: start the built-in Citi sandbox, connect through OAuth, sync into Postgres, show the result', load: async () => (await import('./demo.ts')).registerDemo },
  { name: 'sync', description: 'sync now, in this process (no Redis needed)', load: async () => (await import('./sync.ts')).registerSync },
  { name: 'migrate', description: 'apply the database migrations (idempotent; safe when several processes run it at once)', load: async () => (await import('./migrate.ts')).registerMigrate },
  { name: 'connect', description: 'connect a Citi customer through the OAuth consent page and store the tokens (encrypted)', load: async () => (await import('./connect.ts')).registerConnect },
  {
    name: 'connection',
    description: 'manage connections (one per consenting Citi customer)',
    load: async () => {
      const [{ registerConnection }, { scheduleAdded }] = await Promise.all([import('./connection.ts'), import('./schedule.ts')]);
      return (program, config) => registerConnection(program, config, { onAdded: scheduleAdded });
    },
  },
  { name: 'sandbox', description: 'run the Citi sandbox simulator (the API contract, its data and its failures) on a local port', load: async () => (await import('./sandbox.ts')).registerSandbox },
  { name: 'sql', description: 'run a read-only SQL query (e.g. on the analytics views) and print the result', load: async () => (await import('./sql.ts')).registerSql },
  { name: 'worker', description: 'run queue workers: scheduled syncs, one job per account, consent refreshes (needs Redis and DATABASE_URL)', load: async () => (await import('./worker.ts')).registerWorker },
  { name: 'schedule', description: 'sync connections on an interval, run by `citi-sync worker` (idempotent: re-run to change it)', load: loadSchedule },
  { name: 'unschedule', description: 'stop the scheduled syncs of connections (a sync already running finishes)', load: loadSchedule },
  { name: 'doctor', description: 'check the set-up: config, database, Redis, Citi token endpoint, encryption key, clock; exit 1 if any check fails', load: async () => (await import('./doctor.ts')).registerDoctor },
  { name: 'status', description: 'connections, their last and next sync, and failed jobs (Redis optional)', load: async () => (await import('./status.ts')).registerStatus },
];

async function loadSchedule(): Promise<Register> {
  // registerSchedule adds both `schedule` and `unschedule`; `schedule list` is its own module.
  const [{ registerSchedule }, { registerScheduleList }] = await Promise.all([import('./schedule.ts'), import('./scheduleList.ts')]);
  return (program, config) => {
    registerSchedule(program, config);
    registerScheduleList(program.commands.find((c) => c.name() === 'schedule')!, config);
  };
}

/**
 * Registers the command named in argv in full and every other one as a name and description only
 * (enough for `--help` and for "unknown command" errors). `names` lists the commands to load fully
 * (all of them for tests that inspect the whole program).
 */
export async function registerCommands(program: Command, config: () => Config, names: string[]): Promise<void> {
  // One module may register several commands (`schedule` and `unschedule`): a command whose module
  // is wanted is loaded in full where it comes, never left as a placeholder that the module would
  // then collide with ("cannot add command 'schedule'": `unschedule` crashed on every call).
  const wanted = new Set(COMMANDS.filter((e) => names.includes(e.name)).map((e) => e.load));
  // In the manifest's order, so help lists commands the same way whichever one was loaded.
  for (const entry of COMMANDS) {
    if (wanted.has(entry.load) && !program.commands.some((c) => c.name() === entry.name)) {
      (await entry.load())(program, config);
    }
    if (program.commands.some((c) => c.name() === entry.name)) continue;
    program.command(entry.name).description(entry.description).helpOption(false).allowUnknownOption().allowExcessArguments();
  }
}

/** Global options that take a value: their value is not a command name. */
const GLOBAL_VALUE_OPTIONS = new Set(['--database-url', '--redis-url', '--base-url', '--data-dir', '--log-level']);

/** The command argv asks for (`help <command>` included), or undefined for `--help`, `--version`… */
export function commandNameIn(argv: string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GLOBAL_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (a === 'help') return args[i + 1];
    return a;
  }
  return undefined;
}
