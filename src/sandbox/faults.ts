/**
 * Faults on demand. Each decision draws from a seeded stream, so a given seed and request order
 * reproduce the same failures.
 */
import { Rng, deriveSeed } from './rng.ts';
import type { Faults } from './types.ts';

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  status429Probability: 0,
  status5xxProbability: 0,
  latencyMs: 0,
  slowProbability: 0,
  slowMs: 0,
  truncateProbability: 0,
  resetProbability: 0,
  expireTokenProbability: 0,
  mutateDuringPagination: false,
});

/** What to do to one resource response. At most one of the failure kinds applies. */
export interface FaultPlan {
  kind: 'none' | 'reset' | '5xx' | '429' | 'expireToken';
  status5xx: 500 | 503;
  truncate: boolean;
  delayMs: number;
}

const PROBABILITY_KEYS = ['status429Probability', 'status5xxProbability', 'slowProbability', 'truncateProbability', 'resetProbability', 'expireTokenProbability'] as const;

export function validateFaults(f: Partial<Faults>): Partial<Faults> {
  for (const [k, v] of Object.entries(f)) {
    if (!(k in NO_FAULTS)) throw new TypeError(`unknown fault "${k}"`);
    if (k === 'mutateDuringPagination') {
      if (typeof v !== 'boolean') throw new TypeError('fault "mutateDuringPagination" must be a boolean');
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new TypeError(`fault "${k}" must be a number >= 0`);
    } else if ((PROBABILITY_KEYS as readonly string[]).includes(k) && v > 1) {
      throw new TypeError(`fault "${k}" is a probability: 0..1`);
    }
  }
  return f;
}

export class FaultInjector {
  faults: Faults = { ...NO_FAULTS };
  private readonly rng: Rng;

  constructor(seed: number, initial: Partial<Faults> = {}) {
    this.rng = new Rng(deriveSeed(seed, 99));
    this.set(initial);
  }

  set(f: Partial<Faults>): void {
    this.faults = { ...this.faults, ...validateFaults(f) };
  }

  clear(): void {
    this.faults = { ...NO_FAULTS };
  }

  /** Latency for token endpoints (they only get latency, never failures). */
  tokenDelay(): number {
    return this.faults.latencyMs;
  }

  planResource(): FaultPlan {
    const f = this.faults;
    const r = this.rng;
    let kind: FaultPlan['kind'] = 'none';
    if (r.chance(f.resetProbability)) kind = 'reset';
    else if (r.chance(f.status5xxProbability)) kind = '5xx';
    else if (r.chance(f.status429Probability)) kind = '429';
    else if (r.chance(f.expireTokenProbability)) kind = 'expireToken';
    const slow = r.chance(f.slowProbability);
    return {
      kind,
      status5xx: kind === '5xx' && r.chance(0.5) ? 500 : 503,
      truncate: kind === 'none' && r.chance(f.truncateProbability),
      delayMs: f.latencyMs + (slow ? f.slowMs : 0),
    };
  }
}
