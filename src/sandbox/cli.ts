/**
 * runSandboxCli: the sandbox as a long-running process for manual runs, benchmarks and chaos tests
 * in another process. Prints what a client needs (credentials, base URL, users, how to get tokens)
 * and closes cleanly on SIGINT/SIGTERM.
 */
import { startSandbox } from './server.ts';
import type { Sandbox } from './types.ts';

export interface SandboxCliOptions {
  /** The market, which selects the dialect: US (v2) or an Asia-Pacific code (v1). @defaultValue 'US' */
  country?: string;
  port: number;
  seed: number;
  host?: string;
  today?: string;
  autoConsent?: boolean;
  /** Requests per second per client_id (burst = twice that); false = no limit. */
  rateLimit?: number | false;
  users?: number;
  transactionsPerAccount?: number;
  /** Credentials it accepts (default: derived from the seed). */
  clientId?: string;
  clientSecret?: string;
}

export async function runSandboxCli(opts: SandboxCliOptions, out: NodeJS.WritableStream = process.stdout): Promise<Sandbox> {
  const rate = opts.rateLimit ?? 10;
  const sandbox = await startSandbox({
    country: opts.country ?? 'US',
    port: opts.port,
    seed: opts.seed,
    host: opts.host ?? '127.0.0.1',
    ...(opts.today !== undefined ? { today: opts.today } : {}),
    autoConsent: opts.autoConsent ?? false,
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
    ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
    rateLimit: rate === false ? false : { perSecond: rate, burst: rate * 2 },
    profile: {
      users: opts.users ?? 3,
      accountsPerUser: 'mixed',
      ...(opts.transactionsPerAccount !== undefined ? { transactionsPerAccount: opts.transactionsPerAccount } : {}),
    },
  });
  const origin = new URL(sandbox.url).origin;
  const lines = [
    `Citi sandbox (seed ${opts.seed}, world date ${sandbox.today()})`,
    `  market         ${sandbox.country} (${sandbox.country === 'US' ? 'US v2 dialect' : 'Asia-Pacific v1 dialect'}; token path /authCode/oauth2/token/${sandbox.country.toLowerCase()}/gcb)`,
    `  base URL       ${sandbox.url}`,
    `  client id      ${sandbox.clientId}`,
    // Only a secret it made up is shown: one passed in may be the operator's real one (a shared
    // CITI_CLIENT_SECRET), and this goes to a terminal, a log collector or CI output.
    `  client secret  ${sandbox.clientSecretSupplied ? '(the one supplied; not shown)' : sandbox.clientSecret}`,
    `  rate limit     ${rate === false ? 'none' : `${rate}/s per client_id, burst ${rate * 2}`}`,
    `  admin API      ${origin}/__sandbox/ (stats, advance, faults, truth, ...)`,
    '',
    'Users:',
  ];
  for (const u of sandbox.users) {
    lines.push(
      `  ${u.userId}  ${u.name}  (${u.accountIds.length} accounts)`,
      `    tokens:    curl -s -X POST ${origin}/__sandbox/users/${encodeURIComponent(u.userId)}/tokens`,
      `    authorize: ${sandbox.authorizeUrl({ redirectUri: 'http://127.0.0.1:8765/callback', state: 'demo' })}&login_hint=${encodeURIComponent(u.userId)}`,
    );
  }
  lines.push('', 'Ctrl-C to stop.', '');
  out.write(lines.join('\n'));
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void sandbox.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return sandbox;
}
