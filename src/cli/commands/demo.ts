import type { Command } from 'commander';
import { request } from 'undici';
import { loadConfig, type Config } from '../../config/index.ts';
import { startSandbox } from '../../sandbox/index.ts';
import { runCodeFlow } from '../../auth/codeFlow.ts';
import { saveConsent } from '../../auth/consent.ts';
import { migrate } from '../../db/migrate.ts';
import { cipherFromConfig } from '../encryptionKey.ts';
import { loggerFor, openApp } from '../app.ts';
import { clientFrom } from '../syncWiring.ts';
import { runSync, reportOrFail } from './sync.ts';
import { printDemoReport } from '../demoReport.ts';
import { formatSummary } from '../progress.ts';
import type { ConnectionResult } from '../../sync/index.ts';

export const DEMO_CONNECTION_ID = 'demo';

export function registerDemo(program: Command, config: () => Config): void {
  program
    .command('demo')
    .description('zero setup: start the built-in Citi sandbox, connect through OAuth, sync into Postgres, show the result')
    .option('--seed <n>', 'seed of the sandbox data', (v) => Number.parseInt(v, 10), 42)
    .action(async (o: { seed: number }) => {
      const base = config();
      // The demo narrates on stdout; info-level logs would only repeat it.
      const logger = loggerFor({ ...base, LOG_LEVEL: base.LOG_LEVEL === 'info' ? 'warn' : base.LOG_LEVEL });
      // The sandbox's own rate limit and ours agree, so the demo shows a quota-respecting sync.
      const perSecond = 25;
      // The demo speaks the US v2 dialect end to end, whatever CITI_COUNTRY the shell has.
      const sandbox = await startSandbox({ country: 'US', seed: o.seed, autoConsent: true, rateLimit: { perSecond, burst: perSecond } });
      const cfg = loadConfig({
        overrides: {
          DATABASE_URL: base.DATABASE_URL,
          CITI_SYNC_DATA_DIR: base.CITI_SYNC_DATA_DIR,
          LOG_LEVEL: base.LOG_LEVEL,
          CITI_API_BASE_URL: sandbox.url,
          CITI_CLIENT_ID: sandbox.clientId,
          CITI_CLIENT_SECRET: sandbox.clientSecret,
          CITI_COUNTRY: sandbox.country,
          CITI_MAX_REQUESTS_PER_SECOND: perSecond,
          // The demo's accounts are small and its quota 25 requests/s: a year per window (the API's
          // limit) is 2 requests per account instead of the default quarter's 8 (8.1 s -> 4.5 s).
          CITI_WINDOW_DAYS: base.CITI_WINDOW_DAYS ?? 366,
          CITI_REDIRECT_URI: 'http://127.0.0.1:0/callback',
        },
      });
      const out = process.stdout;
      out.write(`Citi sandbox running at ${sandbox.url} (seed ${o.seed})\n`);
      const client = clientFrom(cfg, logger);
      // A fresh embedded directory starts from the build's migrated template (no initdb); migrate
      // below still checks it, and does everything when there is no matching template.
      const app = await openApp(cfg, logger, { requireMigrated: false, fromMigratedTemplate: true });
      try {
        await migrate(app.db);
        out.write(`Database: ${app.db.kind === 'pglite' ? `embedded Postgres in ${cfg.CITI_SYNC_DATA_DIR}/db (set DATABASE_URL to use your own)` : 'DATABASE_URL'}\n`);
        // The real authorization-code flow: our loopback redirect, the sandbox's consent (auto-approved).
        const tokens = await runCodeFlow({
          oauth: client.oauth,
          redirectUri: cfg.CITI_REDIRECT_URI,
          open: (url) => followConsent(url),
        });
        await saveConsent(app.db, cipherFromConfig(cfg, logger), DEMO_CONNECTION_ID, tokens);
        out.write(`Connected "${DEMO_CONNECTION_ID}" through the OAuth code flow (tokens stored encrypted). Syncing...\n`);
        const results = await runSync(app, client, { connectionId: DEMO_CONNECTION_ID, full: false, waitMs: 0, trigger: 'demo' });
        out.write('\n' + formatSummary(results.filter((r): r is ConnectionResult => 'accounts' in r)));
        await printDemoReport(app.db, DEMO_CONNECTION_ID, out);
        reportOrFail(results, { summary: false });
      } finally {
        await client.close();
        await app.close();
        await sandbox.close();
      }
    });
}

/** Plays the browser: opens the consent URL and follows its redirect to our loopback listener. */
async function followConsent(url: string): Promise<void> {
  let next = url;
  for (let hop = 0; hop < 5; hop++) {
    const res = await request(next, { method: 'GET' });
    const location = res.headers.location;
    await res.body.dump();
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      next = new URL(location, next).toString();
      continue;
    }
    return;
  }
}
