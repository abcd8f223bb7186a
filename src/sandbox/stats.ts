/** Counters of what clients did, for assertions in tests and benchmarks (SandboxStats documents each). */
import type { SandboxStats } from './types.ts';

export function emptyStats(): SandboxStats {
  return {
    requests: 0, byRoute: {}, byStatus: {}, served429: 0, requestsDuringRetryAfter: 0,
    tokenRequests: 0, refreshes: 0, refreshTokenReuse: 0, grantsRevoked: 0,
    missingUuid: 0, duplicateUuid: 0, missingHeaders: 0, maxConcurrentRefreshesPerGrant: 0,
    pagesServed: 0, rowsServed: 0,
  };
}

export class StatsRecorder {
  current: SandboxStats = emptyStats();
  /** uuids survive resetStats on purpose: a uuid reused after a reset is still a reused uuid. */
  private readonly uuids = new Set<string>();

  request(route: string): void {
    this.current.requests++;
    this.current.byRoute[route] = (this.current.byRoute[route] ?? 0) + 1;
  }

  status(status: number | 'reset'): void {
    const key = String(status);
    this.current.byStatus[key] = (this.current.byStatus[key] ?? 0) + 1;
    if (status === 429) this.current.served429++;
  }

  uuid(value: string): void {
    if (this.uuids.has(value)) this.current.duplicateUuid++;
    else this.uuids.add(value);
  }

  snapshot(): SandboxStats {
    return structuredClone(this.current);
  }

  reset(): void {
    this.current = emptyStats();
  }
}
