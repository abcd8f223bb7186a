import { InvalidArgumentError, Option, type Command } from 'commander';
import { readSettingFile } from '../../config/load.ts';
import { marketOf, runSandboxCli } from '../../sandbox/index.ts';
import { boundedIntArg, nonNegativeIntArg } from '../validate.ts';

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run the Citi sandbox simulator (the API contract, its data and its failures) on a local port')
    .option('--country <cc>', 'market, which selects the dialect: US (v2) or SG, HK, AU, IN, ... (Asia-Pacific v1)', countryArg, 'US')
    .option('--port <port>', 'port to listen on (0 = any free port)', boundedIntArg(0, 65_535), 8080)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <n>', 'seed of the generated data', nonNegativeIntArg, 42)
    .option('--today <date>', 'world clock start date (YYYY-MM-DD; default: today)', dateArg)
    .option('--auto-consent', 'approve the consent page at once (for scripts)')
    .option('--rate-limit <perSecond>', 'requests per second per client before 429 (0 = no limit)', nonNegativeIntArg, 10)
    .option('--users <n>', 'number of users (at most 10000)', boundedIntArg(1, 10_000), 3)
    .option('--transactions-per-account <n>', 'transactions per account (at most 1000000)', boundedIntArg(1, 1_000_000))
    // From the environment (never argv, which `ps` shows), so a stack can give the sandbox and the
    // app the same credentials.
    .addOption(new Option('--client-id <id>', 'the client id it accepts (default: derived from the seed)').env('CITI_CLIENT_ID'))
    .addOption(new Option('--client-secret <secret>', 'the client secret it accepts').env('CITI_CLIENT_SECRET'))
    .addOption(new Option('--client-secret-file <path>', 'read the client secret from this file (a mounted secret)').env('CITI_CLIENT_SECRET_FILE'))
    .action(async (o: { country: string; port: number; host: string; seed: number; today?: string; autoConsent?: boolean; rateLimit: number; users: number; transactionsPerAccount?: number; clientId?: string; clientSecret?: string; clientSecretFile?: string }) => {
      const clientSecret = o.clientSecretFile ? readSettingFile('CITI_CLIENT_SECRET_FILE', o.clientSecretFile).replace(/\r?\n$/, '') : o.clientSecret;
      const sb = await runSandboxCli({
        country: o.country,
        port: o.port,
        host: o.host,
        seed: o.seed,
        today: o.today,
        autoConsent: o.autoConsent ?? false,
        rateLimit: o.rateLimit === 0 ? false : o.rateLimit,
        users: o.users,
        transactionsPerAccount: o.transactionsPerAccount,
        clientId: o.clientId || undefined,
        clientSecret: clientSecret || undefined,
      });
      await new Promise<void>((resolve) => {
        const stop = () => {
          void sb.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

function countryArg(value: string): string {
  try {
    return marketOf(value).country;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function dateArg(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('must be a date like 2026-11-25');
  }
  return value;
}
