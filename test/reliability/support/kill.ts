/**
 * SIGKILL at a seeded random instant of a `citi-sync sync` child.
 *
 * An instant is chosen as "after the simulator has served `afterPages` more transaction pages, plus
 * `jitterMs`": the kill then lands while the child parses a page, writes it, or waits for the next,
 * which is where a crash can hurt. `afterPages = 0` kills `jitterMs` after spawn instead (start-up,
 * account listing, token refresh).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sandbox } from '../../../src/sandbox/index.ts';
import { spawnCli, type CliResult } from './cli.ts';

export interface KillPlan {
  afterPages: number;
  jitterMs: number;
}

export interface KillOutcome {
  killed: boolean;
  /** Pages the simulator served to this child. */
  pages: number;
  result: CliResult;
}

export async function syncAndKill(sandbox: Sandbox, args: string[], env: Record<string, string | undefined>, plan: KillPlan): Promise<KillOutcome> {
  const base = sandbox.stats().pagesServed;
  const child = spawnCli(args, env);
  let exited = false;
  void child.done.then(
    () => (exited = true),
    () => (exited = true),
  );
  if (plan.afterPages > 0) {
    while (!exited && sandbox.stats().pagesServed - base < plan.afterPages) await sleep(2);
  }
  if (!exited) await sleep(plan.jitterMs);
  if (!exited) child.proc.kill('SIGKILL');
  const result = await child.done;
  return { killed: result.signal === 'SIGKILL', pages: sandbox.stats().pagesServed - base, result };
}

/** A small seeded PRNG (mulberry32), so a failing chaos run can be replayed with its seed. */
export function seeded(seed: number): { int(min: number, max: number): number; float(): number } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { float: next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
