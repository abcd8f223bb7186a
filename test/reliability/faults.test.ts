import { describe, expect, it } from 'vitest';
import { TEST_COUNTRY } from '../helpers/country.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { FAULT_CASES, runFaultCase, runStuckAccount, type FaultRunOptions } from './scenarios/faults.ts';

const base = async (): Promise<FaultRunOptions> => ({
  db: await createTestDatabase(),
  seed: 3,
  // US v2 serves a window in one answer (no paging, no statements), so it takes 8 accounts there for
  // about as many requests (~20) as 4 make in Asia-Pacific (~36): enough for every fault to fire. The
  // fault stream is seeded, so each dialect's run is the same every time.
  profile: { users: 1, accountsPerUser: TEST_COUNTRY === 'US' ? 8 : 4, transactionsPerAccount: 80, historyMonths: 24 },
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
