/**
 * The bound on fetched pages not yet committed, shared by every account of a process
 * (src/sync/pageBudget.ts): a walk waits for room before it requests a page, one page always passes,
 * and whatever an account holds comes back however it ends.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_BUDGET_CHARS_PER_ACCOUNT, PageBudget, pageBudgetFor } from '../../src/sync/pageBudget.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('PageBudget', () => {
  it('makes a walk wait while the held text and its expected page pass the limit, and lets it go once a batch commits', async () => {
    const budget = new PageBudget(800); // first reservations: 100 each
    const a = budget.account();
    const r1 = await a.reserve();
    a.arrived(r1, 700);
    // The running mean is now 250: 700 + 250 > 800.
    let waited = true;
    const b = budget.account();
    const next = b.reserve().then((r) => ((waited = false), r));
    await tick();
    expect(waited).toBe(true);
    expect(budget.held).toBe(700);
    a.give(700);
    const r2 = await next;
    expect(waited).toBe(false);
    expect(budget.held).toBe(r2);
    b.arrived(r2, 50);
    expect(budget.held).toBe(50);
    b.close();
    a.close();
    expect(budget.held).toBe(0);
  });

  it('lets one page through when nothing is held, however big it turns out', async () => {
    const budget = new PageBudget(10);
    const a = budget.account();
    a.arrived(await a.reserve(), 1_000_000);
    expect(budget.held).toBe(1_000_000);
    a.give(1_000_000);
    // A page the size of the whole budget still passes once nothing is held.
    await a.reserve();
    a.close();
    expect(budget.held).toBe(0);
  });

  it('gives back on close what a failed account still held or had reserved, waking the others', async () => {
    const budget = new PageBudget(80); // first reservations: 10
    const failing = budget.account();
    failing.arrived(await failing.reserve(), 50);
    await failing.reserve(); // 50 held + 20 expected
    const other = budget.account();
    let waited = true;
    const waiting = other.reserve().then(() => (waited = false));
    await tick();
    expect(waited).toBe(true);
    failing.close();
    await waiting;
    other.close();
    expect(budget.held).toBe(0);
  });

  it('rejects a waiting walk with the reason its signal aborts with', async () => {
    const budget = new PageBudget(100);
    const a = budget.account();
    a.arrived(await a.reserve(), 100);
    const controller = new AbortController();
    const waiting = budget.account().reserve(controller.signal);
    controller.abort(new Error('writer failed'));
    await expect(waiting).rejects.toThrow('writer failed');
    a.close();
    expect(budget.held).toBe(0);
  });

  it('is one per client, sized by the accounts synced at once, unless one is given', () => {
    const client = {};
    const given = new PageBudget(1);
    expect(pageBudgetFor(client, 4, undefined)).toBe(pageBudgetFor(client, 4, undefined));
    expect(pageBudgetFor(client, 4, undefined).limit).toBe(4 * PAGE_BUDGET_CHARS_PER_ACCOUNT);
    expect(pageBudgetFor({}, 4, undefined)).not.toBe(pageBudgetFor(client, 4, undefined));
    expect(pageBudgetFor(client, 4, given)).toBe(given);
  });
});
