/**
 * `npx tsx src/sandbox/main.ts [--country US] [--port 8080] [--seed 42] [--host ..] [--today YYYY-MM-DD]
 *   [--auto-consent] [--rate-limit 10|0] [--users 3] [--transactions-per-account N]`
 * A standalone entry for scripts that must not depend on the main CLI.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runSandboxCli } from './cli.ts';
import { marketOf } from './market.ts';

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number >= 0');
  return n;
};

const country = (v: string): string => {
  try {
    return marketOf(v).country;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

const o = new Command('citi-sandbox')
  .option('--country <cc>', 'market: US (v2 dialect) or SG, HK, AU, IN, ... (Asia-Pacific v1)', country, 'US')
  .option('--port <port>', 'port (0 = any free port)', int, 8080)
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--seed <n>', 'data seed', int, 42)
  .option('--today <date>', 'world clock start YYYY-MM-DD')
  .option('--auto-consent', 'skip the consent page')
  .option('--rate-limit <perSecond>', 'per client_id, 0 = none', int, 10)
  .option('--users <n>', 'users', int, 3)
  .option('--transactions-per-account <n>', 'approximate transactions per account', int)
  .parse()
  .opts<{ country: string; port: number; host: string; seed: number; today?: string; autoConsent?: boolean; rateLimit: number; users: number; transactionsPerAccount?: number }>();

await runSandboxCli({ ...o, rateLimit: o.rateLimit === 0 ? false : o.rateLimit });
