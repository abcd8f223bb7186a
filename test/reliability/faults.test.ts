import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { FAULT_CASES, runFaultCase, runStuckAccount, type FaultRunOptions } from './scenarios/faults.ts';

const base = async (): Promise<FaultRunOptions> => ({
  db: await createTestDatabase(),
  seed: 3,
  profile: { users: 1, accountsPerUser: 4, transactionsPerAccount: 80, historyMonths: 24 },
  retryAfterSeconds: 0.2,
});

describe('fault matrix (each fault alone, then all together)', () => {
  let baseline: number | undefined;
  for (const c of FAULT_CASES) {
    it(c.name, async () => {
      const f = await runFaultCase(c, { ...(await base()), baselineRequests: baseline });
      if (c.name.startsWith('none')) baseline = f.requests;
      console.log(JSON.stringify(f));
      expect(f.problems, JSON.stringify(f)).toEqual([]);
      expect(f.rowsCompared).toBeGreaterThan(150);
      if (c.faults.status429Probability) expect(f.served429).toBeGreaterThan(0);
    });
  }

  it('a fault that never clears fails that account with a recorded reason; the others finish', async () => {
    const f = await runStuckAccount(await base());
    console.log(JSON.stringify(f));
    expect(f.problems).toEqual([]);
    expect(f.otherAccountsExact).toBe(true);
  });
});
