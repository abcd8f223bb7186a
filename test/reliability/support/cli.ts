/**
 * Runs the real CLI (`node bin/citi-sync.js …`) as a child process, the way an operator or a cron job
 * would, so crashes are real SIGKILLs of a real process and config is parsed from a real environment.
 *
 * The child gets a minimal environment (never the test runner's): only PATH/HOME plus what is passed.
 * Its cwd is a scratch directory, so a developer's `.env` in the repo can never leak into a run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../bin/citi-sync.js', import.meta.url));

const scratchCwd = mkdtempSync(join(tmpdir(), 'citi-sync-rel-cwd-'));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunningCli {
  proc: ChildProcess;
  /** Everything written so far (stdout then stderr are kept apart). */
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

export function spawnCli(args: string[], env: Record<string, string | undefined>, opts: { input?: string } = {}): RunningCli {
  const started = performance.now();
  const clean: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  const proc = spawn(process.execPath, [BIN, ...args], { env: clean, cwd: scratchCwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (opts.input !== undefined) proc.stdin!.end(opts.input);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const done = new Promise<CliResult>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err, ms: Math.round(performance.now() - started) }));
  });
  return { proc, stdout: () => out, stderr: () => err, done };
}

/** Runs to the end; a child still running after `timeoutMs` is SIGKILLed (and the result says so). */
export async function runCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 120_000, opts: { input?: string } = {}): Promise<CliResult> {
  const child = spawnCli(args, env, opts);
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), timeoutMs);
  try {
    return await child.done;
  } finally {
    clearTimeout(timer);
  }
}

/** Non-empty lines of a stream. */
export function lines(s: string): string[] {
  return s.split('\n').filter((l) => l.trim() !== '');
}
