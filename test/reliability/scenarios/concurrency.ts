/**
 * N `citi-sync sync` processes on one connection at once (`--wait`): the connection lock serialises
 * them and the token row lock serialises refreshes, so Citi never sees two refreshes of one grant at a
 * time nor a reused refresh token, and the data ends exact.
 */
import type { Faults, SandboxProfile } from '../../../src/sandbox/index.ts';
import { lines, spawnCli } from '../support/cli.ts';
import { problems } from '../support/exact.ts';
import { relWorld, type DatabaseHandle } from '../support/world.ts';

export interface ConcurrencyOptions {
  db: DatabaseHandle;
  processes: number;
  seed: number;
  profile: SandboxProfile;
  faults?: Partial<Faults>;
}

export interface ConcurrencyFigures {
  processes: number;
  exitCodes: Array<number | null>;
  refreshes: number;
  maxConcurrentRefreshesPerGrant: number;
  refreshTokenReuse: number;
  grantsRevoked: number;
  connectionRuns: number;
  rowsCompared: number;
  ms: number;
  problems: string[];
}

export async function concurrentSyncs(o: ConcurrencyOptions): Promise<ConcurrencyFigures> {
  const started = performance.now();
  // Access tokens that live 61 s are inside the client's 60 s refresh margin after a second, so
  // every process must refresh: that is the race the locks exist for.
  const w = await relWorld({ db: o.db, sandbox: { seed: o.seed, profile: o.profile, accessTokenTtlSeconds: 61 } });
  try {
    const userId = await w.connect('c1');
    if (o.faults) w.sandbox.setFaults(o.faults);
    const children = Array.from({ length: o.processes }, () => spawnCli(['sync', '--connection', 'c1', '--wait', '120'], w.env()));
    const results = await Promise.all(children.map((c) => c.done));
    w.sandbox.clearFaults();
    const s = w.sandbox.stats();
    const e = await w.exact('c1', userId);
    const { rows } = await w.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM citi_sync.sync_runs WHERE connection_id = 'c1' AND account_id IS NULL GROUP BY status`,
    );
    const f: ConcurrencyFigures = {
      processes: o.processes,
      exitCodes: results.map((r) => r.code),
      refreshes: s.refreshes,
      maxConcurrentRefreshesPerGrant: s.maxConcurrentRefreshesPerGrant,
      refreshTokenReuse: s.refreshTokenReuse,
      grantsRevoked: s.grantsRevoked,
      connectionRuns: rows.reduce((n, r) => n + r.n, 0),
      rowsCompared: e.compared,
      ms: 0,
      problems: problems(e),
    };
    results.forEach((r, i) => {
      if (r.code !== 0) f.problems.push(`process ${i} exited ${r.code ?? r.signal}: ${lines(r.stderr).slice(-2).join(' | ')}`);
    });
    if (f.maxConcurrentRefreshesPerGrant > 1) f.problems.push(`${f.maxConcurrentRefreshesPerGrant} refreshes of one grant at once`);
    if (f.refreshTokenReuse !== 0) f.problems.push(`refresh token reused ${f.refreshTokenReuse} times`);
    if (f.grantsRevoked !== 0) f.problems.push(`${f.grantsRevoked} grants revoked`);
    if (rows.some((r) => r.status !== 'succeeded')) f.problems.push(`connection runs: ${JSON.stringify(rows)}`);
    f.ms = Math.round(performance.now() - started);
    return f;
  } finally {
    await w.close();
  }
}
