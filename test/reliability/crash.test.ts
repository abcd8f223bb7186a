import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { crashChaos, terminateBackends } from './scenarios/crash.ts';

// The small version of `npm run chaos` (30 kills per phase there): a few kills per phase, a small world.
describe('crash chaos (SIGKILL mid-sync, then resume)', () => {
  it('ends exact after kills during a backfill and during incremental runs', async () => {
    const figures = await crashChaos({
      db: await createTestDatabase(),
      seed: 6,
      backfillKills: 4,
      incrementalKills: 2,
      killsPerRound: 2,
      advancePerRound: 3,
      profile: { users: 1, accountsPerUser: 4, transactionsPerAccount: 150 },
      latencyMs: 8,
      log: (l) => console.log(l),
    });
    expect(figures.backfill.problems).toEqual([]);
    expect(figures.incremental.problems).toEqual([]);
    expect(figures.backfill.kills).toBeGreaterThanOrEqual(3);
    expect(figures.incremental.kills).toBeGreaterThanOrEqual(1);
    // The world moved on (forward from the real date the CLI's calendar ends on): the incremental runs
    // had changes to pick up (accounts' balances, rows inside the range), not an unchanged bank.
    expect(figures.incremental.changesInRange).toBeGreaterThan(0);
    expect(figures.backfill.rowsCompared).toBeGreaterThan(300);
    expect(figures.connectionStatus).toBe('active');
  });
});

describe('Postgres drops the sync sessions mid-page', () => {
  it('the run ends cleanly (accounts retried or failed with a reason), the next run ends exact', async () => {
    const f = await terminateBackends({
      db: await createTestDatabase(),
      seed: 4,
      profile: { users: 1, accountsPerUser: 4, transactionsPerAccount: 150 },
      latencyMs: 8,
      at: [6],
    });
    console.log(JSON.stringify(f));
    expect(f.problems).toEqual([]);
  });
});
