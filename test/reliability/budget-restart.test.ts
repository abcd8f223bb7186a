import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CitiClient } from '../../src/citi/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { syncConnection } from '../../src/sync/index.ts';
import { PageBudget } from '../../src/sync/pageBudget.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { clientThroughProxy, startHostileProxy, type HostileProxy } from './support/hostileProxy.ts';
import { inProcWorld, type InProcWorld } from './support/inproc.ts';

/**
 * A window whose checkpointed cursor Citi rejects is walked again from its first page
 * (checkpointHealing.ts). The room the rejected request had reserved in the page budget must come
 * back then: it stayed held by the account, so once the expected page outweighed the rest of the
 * budget, the restarted walk waited for room only its own account held, forever.
 */
describe('a rejected resumed cursor and the page budget', () => {
  let w: InProcWorld;
  let proxy: HostileProxy;
  let client: CitiClient;

  beforeAll(async () => {
    w = await inProcWorld({
      db: await createTestDatabase(),
      sandbox: { country: 'SG', profile: { users: 1, accountsPerUser: 1, transactionsPerAccount: 60, historyMonths: 12 }, pageSize: 10 },
      historyMonths: 11,
    });
    proxy = await startHostileProxy(w.sandbox.url);
    client = clientThroughProxy(proxy, w.sandbox);
    await w.connect('c1');
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await w?.close();
  });

  it('gives back what the rejected request reserved: the restarted walk is not left waiting on its own account', async () => {
    // A budget smaller than one page: a walk requests only when nothing else is held.
    const budget = new PageBudget(8);
    const deps = { ...w.deps, client, logger: silentLogger(), pageBudget: budget };
    proxy.mode = 'cursorLoop';
    await syncConnection(deps, 'c1', { trigger: 'manual' });
    expect(budget.held).toBe(0);
    proxy.mode = 'off';
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      syncConnection(deps, 'c1', { trigger: 'manual' }).then((r) => r.status),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), 8_000))),
    ]);
    clearTimeout(timer);
    expect(outcome).toBe('succeeded');
    expect(budget.held).toBe(0);
  }, 20_000);
});
