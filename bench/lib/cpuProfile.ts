/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and sums self time per function and per owner (our code,
 * each npm package, Node internals, GC), so the report can say where the engine's CPU goes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  fn: string;
  where: string;
  owner: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Sampled time not idle: what the process spent on CPU. */
  busyMs: number;
  top: SelfTime[];
  byOwner: Array<{ owner: string; ms: number; pct: number }>;
}

/** This checkout's root as it appears in profile frame URLs (wherever it was cloned). */
const ROOT = new URL('../../', import.meta.url).pathname;

/** Who a frame belongs to: `ours (src/sync)`, an npm package, `node`, or a V8 pseudo-frame. */
export function ownerOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : 'native';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const m = /\/(src\/[^/]+|bench)\//.exec(url);
  return m ? `ours: ${m[1]}` : 'other';
}

function shortWhere(url: string, line: number): string {
  if (url === '') return '';
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) u = u.slice(nm + '/node_modules/'.length);
  else if (u.includes(ROOT)) u = u.slice(u.indexOf(ROOT) + ROOT.length);
  // tsx hands V8 transpiled modules, so a TypeScript file's line numbers are not the source's: name the file only.
  return u.endsWith('.ts') ? u : `${u}:${line + 1}`;
}

export function summarizeProfile(file: string, topN = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fns = new Map<string, SelfTime>();
  const owners = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const fn = functionName || '(anonymous)';
    const owner = ownerOf(url, fn);
    const where = shortWhere(url, lineNumber);
    const key = `${fn}@${where}`;
    const e = fns.get(key) ?? { fn, where, owner, ms: 0, pct: 0 };
    e.ms += us / 1000;
    fns.set(key, e);
    owners.set(owner, (owners.get(owner) ?? 0) + us / 1000);
  }
  const busyMs = (total - idle) / 1000;
  const pct = (ms: number) => (busyMs > 0 ? (100 * ms) / busyMs : 0);
  const top = [...fns.values()].sort((a, b) => b.ms - a.ms).slice(0, topN);
  for (const t of top) t.pct = pct(t.ms);
  return {
    totalMs: total / 1000,
    busyMs,
    top,
    byOwner: [...owners].map(([owner, ms]) => ({ owner, ms, pct: pct(ms) })).sort((a, b) => b.ms - a.ms),
  };
}
