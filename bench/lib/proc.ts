/** Runs the pipeline child (bench/pipeline.ts) and reads its JSON report. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PipelineJob, PipelineReport } from '../pipeline.ts';

const PIPELINE = fileURLToPath(new URL('../pipeline.ts', import.meta.url));

export interface RunOptions {
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  nodeFlags?: string[];
}

export async function runPipeline(job: PipelineJob, opts: RunOptions = {}): Promise<PipelineReport & { wallMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...(opts.nodeFlags ?? []), PIPELINE, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
