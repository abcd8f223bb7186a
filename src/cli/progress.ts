import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import type { ConnectionResult, ProgressEvent } from '../sync/index.ts';
import { routeLogLines } from '../log/terminal.ts';
import { shortId, table } from './table.ts';

const require = createRequire(import.meta.url);

/**
 * Shows a sync as it runs: a progress bar on a TTY (accounts done, pages, rows), plain lines
 * otherwise so logs and CI output stay readable.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): { onProgress: (e: ProgressEvent) => void; stop(): void } {
  let accounts = 0;
  let done = 0;
  let pages = 0;
  let rows = 0;
  if (!stream.isTTY) {
    return {
      onProgress: (e) => {
        if (e.type === 'account-done') {
          const r = e.result;
          stream.write(
            `${e.connectionId}/${shortId(e.accountId)}: ${r.status} (${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.removed} removed, ${r.pages} pages)\n`,
          );
        }
      },
      stop: () => undefined,
    };
  }
  // Loaded only for a terminal (like pino-pretty in src/log/logger.ts): sync without a TTY does not
  // draw a bar. A MultiBar (of one bar) for its log(): log lines are printed above the bar on its
  // next redraw, so the bar and the logs never tear each other.
  const cliProgress = require('cli-progress') as typeof CliProgress;
  const multi = new cliProgress.MultiBar(
    { format: ' {bar} {value}/{total} accounts | {pages} pages | {rows} rows', hideCursor: true, stream, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let bar: CliProgress.SingleBar | undefined;
  return {
    onProgress: (e) => {
      if (e.type === 'accounts') {
        accounts += e.count;
        if (!bar) {
          bar = multi.create(accounts, done, { pages, rows });
          routeLogLines((line) => multi.log(line));
        } else bar.setTotal(accounts);
      } else if (e.type === 'page') {
        pages += 1;
        rows += e.rows;
        bar?.update(done, { pages, rows });
      } else if (e.type === 'account-done') {
        done += 1;
        bar?.update(done, { pages, rows });
      }
    },
    stop: () => {
      if (!bar) return;
      routeLogLines(undefined);
      // stop() does not print buffered log lines: a last redraw does.
      multi.update();
      multi.stop();
    },
  };
}

export function formatSummary(results: ConnectionResult[]): string {
  const header = ['connection', 'account', 'status', 'new', 'updated', 'unchanged', 'removed', 'requests', 'time'];
  const lines: string[][] = [];
  for (const c of results) {
    if (c.accounts.length === 0) lines.push([c.connectionId, '-', c.status, '0', '0', '0', '0', '0', seconds(c.ms)]);
    for (const a of c.accounts) {
      lines.push([
        c.connectionId,
        shortId(a.accountId),
        a.status,
        String(a.inserted),
        String(a.updated),
        String(a.unchanged),
        String(a.removed),
        String(a.requests),
        seconds(a.ms),
      ]);
    }
  }
  return table(header, lines) + formatTotals(totalsOf(results)) + '\n';
}

export interface SyncTotals {
  connections: number;
  accounts: number;
  succeeded: number;
  failed: number;
  skipped: number;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  requests: number;
  seconds: number;
}

export function totalsOf(results: ConnectionResult[]): SyncTotals {
  const t: SyncTotals = { connections: results.length, accounts: 0, succeeded: 0, failed: 0, skipped: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0, requests: 0, seconds: 0 };
  for (const c of results) {
    t.seconds += c.ms / 1000;
    for (const a of c.accounts) {
      t.accounts++;
      if (a.status === 'succeeded') t.succeeded++;
      else if (a.status === 'failed') t.failed++;
      else t.skipped++;
      t.inserted += a.inserted;
      t.updated += a.updated;
      t.unchanged += a.unchanged;
      t.removed += a.removed;
      t.requests += a.requests;
    }
  }
  t.seconds = Math.round(t.seconds * 10) / 10;
  return t;
}

/** One line under the table: what the whole run did. */
export function formatTotals(t: SyncTotals): string {
  const outcome = [`${t.succeeded} succeeded`, ...(t.failed ? [`${t.failed} failed`] : []), ...(t.skipped ? [`${t.skipped} skipped`] : [])].join(', ');
  return `total: ${t.accounts} account(s) in ${t.connections} connection(s) (${outcome}): ${t.inserted} new, ${t.updated} updated, ${t.unchanged} unchanged, ${t.removed} removed, ${t.requests} requests, ${t.seconds.toFixed(1)}s`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
