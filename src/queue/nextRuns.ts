import cronParser from 'cron-parser';
import type { Interval } from './interval.ts';

/**
 * When a schedule fires next, computed with cron-parser: the library BullMQ itself uses to fire
 * cron schedules, so what we show is what will happen. `every` schedules fire at a fixed period from
 * their offset; only their period is known without Redis.
 */
export function nextCronRuns(pattern: string, count: number, from: Date = new Date()): Date[] {
  const it = cronParser.parseExpression(pattern, { currentDate: from, tz: 'UTC' });
  const out: Date[] = [];
  for (let i = 0; i < count; i++) out.push(it.next().toDate());
  return out;
}

/**
 * Whether cron-parser (hence BullMQ) accepts the pattern; the message when it does not. Our own
 * check (parseInterval) runs first and names the field; this catches what it lets through, such as
 * a day-of-month that never occurs.
 */
export function cronProblem(pattern: string): string | undefined {
  try {
    nextCronRuns(pattern, 1);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The schedule's period in seconds: exact for `every`; for cron, the longest gap between its next
 * runs over a week of firings (bounded), so "no success within twice the schedule" never fires early.
 */
export function periodSeconds(interval: Interval, from: Date = new Date()): number {
  if (interval.kind === 'every') return interval.ms / 1000;
  const runs = nextCronRuns(interval.pattern, 50, from);
  let longest = 0;
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return longest / 1000;
}
