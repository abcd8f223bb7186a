import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatSummary } from '../../src/cli/progress.ts';
import { cliCommand, resetCliCommandCache } from '../../src/cli/hint.ts';
import { createLogger } from '../../src/log/logger.ts';
import { errorSerializer } from '../../src/log/serializeError.ts';
import { syncSummaryJson } from '../../src/cli/commands/sync.ts';
import type { ConnectionResult } from '../../src/sync/index.ts';

/** A terminal as cli-progress drives it: every write kept, cursor moves as markers. */
function fakeTty(): NodeJS.WriteStream & { text(): string } {
  let out = '';
  const s = new Writable({ write: (c, _e, done) => ((out += c.toString()), done()) }) as unknown as NodeJS.WriteStream & { text(): string };
  Object.assign(s, {
    isTTY: true,
    columns: 100,
    cursorTo: (x: number) => ((out += `<col${x}>`), true),
    moveCursor: () => true,
    clearLine: () => ((out += '<clear>'), true),
    clearScreenDown: () => true,
    text: () => out,
  });
  return s;
}

describe('terminal output', () => {
  it('log lines printed during a sync come out whole, above the bar, never inside it', async () => {
    const tty = fakeTty();
    const progress = createProgress(tty);
    const logger = createLogger({ level: 'info', pretty: true, color: false });
    progress.onProgress({ type: 'accounts', connectionId: 'c', count: 2 });
    logger.warn({ accountId: 'a1' }, 'retrying after a 503');
    progress.onProgress({ type: 'page', connectionId: 'c', accountId: 'a1', rows: 50 } as never);
    logger.warn('second line');
    progress.stop();
    const text = tty.text();
    // Each log line is written in one piece (no bar text in the middle of it), without colours.
    expect(text).toMatch(/WARN[^\n<]*: retrying after a 503\n/);
    expect(text).toMatch(/WARN[^\n<]*: second line\n/);
    expect(text).not.toContain(`${String.fromCharCode(27)}[3`);
    expect(text).toContain('0/2 accounts | 1 pages | 50 rows');
  });

  it('serialises errors with message, code and cause (not {"type":"Object"})', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const err = new Error('database unreachable', { cause });
    expect(errorSerializer({ stack: false })(err)).toEqual({ type: 'Error', message: 'database unreachable', cause: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' } });
    expect(errorSerializer({ stack: false })({ message: 'plain object' })).toEqual({ type: 'Error', message: 'plain object' });
  });

  it('prints hints as the user can type them', () => {
    resetCliCommandCache();
    expect(cliCommand('status', { PATH: '/nonexistent' })).toBe('npx citi-sync status');
    resetCliCommandCache();
    expect(cliCommand('status', { PATH: '/nonexistent', npm_command: 'exec' })).toBe('npx citi-sync status');
    resetCliCommandCache();
  });

  it('ends the summary with a totals line; sync --json gives the same numbers', () => {
    const account = (id: string, status: 'succeeded' | 'failed', inserted: number) => ({ accountId: id, status, inserted, updated: 1, unchanged: 2, removed: 0, restored: 0, requests: 3, pages: 1, ms: 500 }) as never;
    const results: ConnectionResult[] = [{ connectionId: 'alice', runId: 'r', status: 'partial', accounts: [account('a1', 'succeeded', 10), account('a2', 'failed', 0)], ms: 1500 }];
    expect(formatSummary(results).trimEnd().split('\n').at(-1)).toBe('total: 2 account(s) in 1 connection(s) (1 succeeded, 1 failed): 10 new, 2 updated, 4 unchanged, 0 removed, 6 requests, 1.5s');
    expect(syncSummaryJson(results).totals).toEqual({ connections: 1, accounts: 2, succeeded: 1, failed: 1, skipped: 0, inserted: 10, updated: 2, unchanged: 4, removed: 0, requests: 6, seconds: 1.5 });
  });
});
