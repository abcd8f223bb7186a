import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { concurrentSyncs } from './scenarios/concurrency.ts';
import { secretsScenario } from './scenarios/secrets.ts';

const PROFILE = { users: 1, accountsPerUser: 3, transactionsPerAccount: 60 };

describe('concurrency', () => {
  it('8 sync processes on one connection: one refresh at a time, no reuse, exact data', async () => {
    // 8 processes as in the chaos run; a tiny world, since the cost here is eight Node start-ups.
    const f = await concurrentSyncs({ db: await createTestDatabase(), processes: 8, seed: 5, profile: { users: 1, accountsPerUser: 2, transactionsPerAccount: 30 } });
    console.log(JSON.stringify(f));
    expect(f.problems).toEqual([]);
    expect(f.connectionRuns).toBe(8);
    expect(f.refreshes).toBeGreaterThanOrEqual(2);
  });
});

describe('secrets', () => {
  it('no token, client secret or key in logs (trace, faults on), errors, sync_runs or analytics; wrong key destroys nothing', async () => {
    const f = await secretsScenario({ db: await createTestDatabase(), seed: 9, profile: PROFILE });
    console.log(JSON.stringify(f));
    expect(f.hits).toEqual([]);
    expect(f.problems).toEqual([]);
    expect(f.logLines).toBeGreaterThan(20);
  });
});
