/** The parent's handle on the simulator child (bench/sandboxServer.ts), over the fork IPC channel. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Faults, SandboxOptions, SandboxStats, SandboxUser, TokenResponse } from '../../src/sandbox/index.ts';
import type { SandboxCommand } from '../sandboxServer.ts';
import type { DigestDiff } from './truthDigest.ts';

const ENTRY = fileURLToPath(new URL('../sandboxServer.ts', import.meta.url));

export interface SandboxProcess {
  url: string;
  clientId: string;
  clientSecret: string;
  users: SandboxUser[];
  today: string;
  pid: number;
  stats(): Promise<SandboxStats>;
  resetStats(): Promise<void>;
  advance(days: number): Promise<string>;
  issueTokens(userId: string): Promise<TokenResponse>;
  setFaults(f: Partial<Faults>): Promise<void>;
  /** Remembers the current truth, for a later diff. */
  snapshot(): Promise<number>;
  diff(from: string): Promise<DigestDiff>;
  /** Rows dated on or after `from` (the first day a backfill asks for), per account. */
  totals(from: string): Promise<{ rows: number; perAccount: Record<string, { rows: number; cents: number }> }>;
  close(): Promise<void>;
}

interface Ready {
  ready: boolean;
  error?: string;
  url: string;
  clientId: string;
  clientSecret: string;
  users: SandboxUser[];
  today: string;
}

export async function startSandboxProcess(opts: SandboxOptions): Promise<SandboxProcess> {
  const child: ChildProcess = fork(ENTRY, [], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A failed spawn or IPC send is an 'error' event: without a listener it would crash the bench.
  let failure: Error | undefined;
  child.on('error', (err) => {
    failure = err;
    for (const p of pending.values()) p.reject(new Error(`sandbox process: ${err.message}`));
    pending.clear();
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m: Ready) => (m.ready ? resolve(m) : reject(new Error(`sandbox failed to start: ${m.error}`))));
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code} before it was ready`)));
    child.send(opts);
  });
  child.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(`sandbox: ${m.error}`));
  });
  child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`sandbox exited with ${code}`));
    pending.clear();
  });
  const call = <T>(cmd: SandboxCommand): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      if (failure || !child.connected) {
        reject(new Error(`sandbox process is gone${failure ? `: ${failure.message}` : ''}`));
        return;
      }
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, cmd });
    });
  return {
    url: ready.url,
    clientId: ready.clientId,
    clientSecret: ready.clientSecret,
    users: ready.users,
    today: ready.today,
    pid: child.pid!,
    stats: () => call({ op: 'stats' }),
    resetStats: () => call({ op: 'resetStats' }),
    advance: (days) => call({ op: 'advance', days }),
    issueTokens: (userId) => call({ op: 'issueTokens', userId }),
    setFaults: (faults) => call({ op: 'setFaults', faults }),
    snapshot: () => call({ op: 'snapshot' }),
    diff: (from) => call({ op: 'diff', from }),
    totals: (from) => call({ op: 'totals', from }),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
