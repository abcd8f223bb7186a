import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { cliCommand } from '../hint.ts';
import type { Config } from '../../config/index.ts';
import { ConsentError, runCodeFlow } from '../../auth/codeFlow.ts';
import { saveConsent } from '../../auth/consent.ts';
import { cipherFromConfig } from '../encryptionKey.ts';
import { loggerFor, openApp } from '../app.ts';
import { clientFrom } from '../syncWiring.ts';
import { CommandFailed, UsageError } from '../exit.ts';
import { connectionIdArg } from '../validate.ts';
import { countryArg } from './countryArg.ts';
import { reportOrFail, runSync } from './sync.ts';

interface ConnectOptions {
  id: string;
  country?: string;
  open: boolean;
  port?: number;
  listenHost?: string;
  sync?: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * `citi-sync connect`: the OAuth authorization-code flow for one customer, from a terminal. The
 * person consents in a browser; Citi redirects to our loopback listener; the code is exchanged (with
 * PKCE) and the tokens are stored encrypted. Nothing is stored unless the exchange succeeded.
 */
export function registerConnect(program: Command, config: () => Config): void {
  program
    .command('connect')
    .description('connect a Citi customer through the OAuth consent page and store the tokens (encrypted)')
    .requiredOption('--id <id>', 'your id for this connection (letters, digits, - _ .); an existing one is re-linked', connectionIdArg)
    .option('--country <cc>', "the customer's market: US, SG, HK, AU, IN, … (default: CITI_COUNTRY)", countryArg)
    .option('--no-open', 'only print the consent URL, do not try to open a browser')
    .option('--port <n>', 'loopback port to receive the redirect on (default: the port of CITI_REDIRECT_URI)', portArg)
    .option('--listen-host <host>', 'interface to receive the redirect on (default: the host of CITI_REDIRECT_URI; 0.0.0.0 in a container whose port is published)')
    .option('--sync', 'sync the new connection right away, without asking')
    .action(async (o: ConnectOptions) => {
      const cfg = config();
      const logger = loggerFor(cfg);
      const redirectUri = loopbackRedirect(cfg.CITI_REDIRECT_URI, o.port);
      // Everything that can fail on configuration fails before the person is sent to consent.
      const cipher = cipherFromConfig(cfg, logger);
      const country = o.country ?? cfg.CITI_COUNTRY;
      // The consent page and the code exchange are the market's own (contract §1).
      const client = clientFrom(cfg, logger).forCountry(country);
      const app = await openApp(cfg, logger);
      const out = process.stdout;
      try {
        let tokens;
        try {
          tokens = await runCodeFlow({
            oauth: client.oauth,
            redirectUri,
            listenHost: o.listenHost,
            open: (url) => {
              out.write(`Open this URL in a browser and approve access:\n\n  ${url}\n\nWaiting for Citi to redirect to ${redirectUri} ...\n`);
              if (o.open && out.isTTY) openInBrowser(url);
            },
          });
        } catch (err) {
          if (err instanceof ConsentError) throw new CommandFailed(`${err.message} (nothing was stored)`);
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') {
            throw new UsageError(`port ${new URL(redirectUri).port} is in use: pick another with --port (and register that redirect URI with Citi)`);
          }
          if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAFNOSUPPORT' || code === 'EACCES') {
            throw new UsageError(`CITI_REDIRECT_URI: cannot listen on ${new URL(redirectUri).host} (${code}); use http://127.0.0.1:<port>/callback`);
          }
          throw err;
        }
        await saveConsent(app.db, cipher, o.id, tokens, country);
        out.write(`Connected "${o.id}" (tokens stored encrypted).\n`);
        const syncNow = o.sync ?? (process.stdin.isTTY && out.isTTY ? await confirm('Sync it now? [y/N] ') : false);
        if (!syncNow) {
          out.write(`Sync it with: ${cliCommand(`sync --connection ${o.id}`)}\n`);
          return;
        }
        const results = await runSync(app, client, { connectionId: o.id, full: false, waitMs: 0, trigger: 'cli' });
        reportOrFail(results);
      } finally {
        await client.close();
        await app.close();
      }
    });
}

function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('must be a port number, 1-65535');
  return n;
}

/** The redirect URI to listen on: the configured one, with --port applied. Only loopback can be received here. */
function loopbackRedirect(configured: string, port: number | undefined): string {
  const url = new URL(configured);
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new UsageError(`CITI_REDIRECT_URI must be a loopback http URL (e.g. http://127.0.0.1:8765/callback) for connect to receive the redirect; got ${url.origin}`);
  }
  if (port !== undefined) url.port = String(port);
  return url.toString();
}

/**
 * Best effort: the URL is already printed, so a missing opener (a server, a container) is not an
 * error. stdio is ignored so a text-mode browser that xdg-open might pick cannot take the terminal.
 */
function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // spawn itself can throw (e.g. EPERM); the printed URL is enough.
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
