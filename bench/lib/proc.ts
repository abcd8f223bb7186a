/** Runs the pipeline child (bench/pipeline.ts) and reads its JSON report. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PipelineJob, PipelineReport } from '../pipeline.ts';

const PIPELINE = fileURLToPath(new URL('../pipeline.ts', import.meta.url));

const live = new Set<ChildProcess>();
let hooked = false;

/**
 * Kills `child` if this process exits first. Queue workers never exit on their own, so a bench run
 * that is interrupted (Ctrl-C, a test timeout) must not leave them running; run.ts turns SIGINT and
 * SIGTERM into an exit so this runs.
 */
export function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

export interface RunOptions {
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  nodeFlags?: string[];
}

export async function runPipeline(job: PipelineJob, opts: RunOptions = {}): Promise<PipelineReport & { wallMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...(opts.nodeFlags ?? []), PIPELINE, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const wallMs = performance.now() - t0;
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) {
    throw new Error(`pipeline exited with ${code}: ${err.slice(-2000) || out.slice(-2000)}`);
  }
  return { ...(JSON.parse(line) as PipelineReport), wallMs };
}
