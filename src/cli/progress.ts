import cliProgress from 'cli-progress';
import type { ConnectionResult, ProgressEvent } from '../sync/index.ts';

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
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} accounts | {pages} pages | {rows} rows', hideCursor: true, stream, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (e) => {
      if (e.type === 'accounts') {
        accounts += e.count;
        if (!started) bar.start(accounts, done, { pages, rows });
        else bar.setTotal(accounts);
        started = true;
      } else if (e.type === 'page') {
        pages += 1;
        rows += e.rows;
        bar.update(done, { pages, rows });
      } else if (e.type === 'account-done') {
        done += 1;
        bar.update(done, { pages, rows });
      }
    },
    stop: () => {
      if (started) bar.stop();
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
  return table(header, lines);
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n') + '\n';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Account ids can be 128 characters (contract §6): tables show the start, enough to tell them apart. */
export function shortId(id: string): string {
  return id.length > 24 ? `${id.slice(0, 21)}...` : id;
}
