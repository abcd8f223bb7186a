import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { FAULT_CASES, runFaultCase, runStuckAccount, type FaultRunOptions } from './scenarios/faults.ts';

const base = async (): Promise<FaultRunOptions> => ({
  db: await createTestDatabase(),
  seed: 3,
  profile: { users: 1, accountsPerUser: 4, transactionsPerAccount: 80, historyMonths: 24 },
  retryAfterSeconds: 0.2,
});

const NONE = FAULT_CASES.find((c) => c.name.startsWith('none'))!;
let baselineRun: ReturnType<typeof runFaultCase> | undefined;
/**
 * The fault-free run whose request count bounds every fault's: run once, by whichever test needs it
 * first, so each test checks the bound however the tests are ordered or filtered.
 */
const baseline = () => (baselineRun ??= base().then((o) => runFaultCase(NONE, o)));

describe('fault matrix (each fault alone, then all together)', () => {
  for (const c of FAULT_CASES) {
    it(c.name, async () => {
      const f = c === NONE ? await baseline() : await runFaultCase(c, { ...(await base()), baselineRequests: (await baseline()).requests });
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
