import cronParser from 'cron-parser';
import { stableBucket } from './names.ts';

/**
 * What `--every` accepts: a duration (`30s`, `15m`, `6h`, `1d`) or a five-field cron expression
 * (minute hour day-of-month month day-of-week, UTC). Pure, so the CLI can reject a typo before it
 * touches Redis.
 */
export type Interval = { kind: 'every'; ms: number; text: string } | { kind: 'cron'; pattern: string; text: string };

/** The repeat options of one connection's job scheduler (BullMQ `RepeatOptions`, the parts we use). */
export type RepeatSpec = { every: number; offset: number } | { pattern: string; tz: 'UTC' };

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A sync more often than this is a mistake (the API's budget), and BullMQ's `every` is in ms anyway. */
export const MIN_EVERY_MS = 1000;
export const MAX_EVERY_MS = 31 * UNIT_MS.d;

export class IntervalError extends Error {
  override readonly name = 'IntervalError';
}

export function parseInterval(input: string): Interval {
  const text = input.trim();
  const m = /^(\d+)\s*([smhd])$/i.exec(text);
  if (m) {
    const ms = Number(m[1]) * UNIT_MS[m[2]!.toLowerCase() as keyof typeof UNIT_MS];
    if (ms < MIN_EVERY_MS || ms > MAX_EVERY_MS) throw new IntervalError(`interval "${text}" must be between 1s and 31d`);
    return { kind: 'every', ms, text };
  }
  const fields = text.split(/\s+/);
  if (fields.length === 5 && /[\d*]/.test(text)) {
    fields.forEach((f, i) => checkCronField(f, CRON_FIELDS[i]!, text));
    const pattern = fields.join(' ');
    assertFires(pattern, text);
    return { kind: 'cron', pattern, text };
  }
  throw new IntervalError(`"${text}" is not an interval (30s, 15m, 6h, 1d) or a five-field cron expression ("*/15 * * * *")`);
}

/**
 * Spreads connections over the interval deterministically, so thousands of them do not fire in the
 * same second and re-running `schedule` keeps each one's slot. For `every`, the offset within the
 * period comes from a hash of the connection id; for cron, a seconds field (0-59) is prepended
 * (BullMQ's cron parser reads six fields as seconds first), spreading each minute's firings.
 */
export function repeatFor(connectionId: string, interval: Interval): RepeatSpec {
  if (interval.kind === 'every') return { every: interval.ms, offset: stableBucket(connectionId, interval.ms) };
  return { pattern: `${stableBucket(connectionId, 60)} ${interval.pattern}`, tz: 'UTC' };
}

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const CRON_FIELDS: CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  // 7 is Sunday too, as in most crons.
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

function checkCronField(field: string, spec: CronField, whole: string): void {
  const bad = (why: string) => new IntervalError(`cron "${whole}": ${spec.name} "${field}" ${why}`);
  const value = (v: string): number => {
    const byName = spec.names?.indexOf(v.toUpperCase()) ?? -1;
    if (byName >= 0) return byName + (spec.name === 'month' ? 1 : 0);
    if (!/^\d+$/.test(v)) throw bad(`has "${v}", not a number${spec.names ? ' or name' : ''}`);
    const n = Number(v);
    if (n < spec.min || n > spec.max) throw bad(`is out of range ${spec.min}-${spec.max}`);
    return n;
  };
  for (const item of field.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') throw bad('is malformed');
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) throw bad(`has a bad step "${step}"`);
    if (range === '*') continue;
    const [from, to, more] = range.split('-');
    if (more !== undefined || from === undefined || from === '') throw bad('is malformed');
    const lo = value(from);
    if (to !== undefined && value(to) < lo) throw bad('has a range that runs backwards');
  }
}

/**
 * Every field can be valid while the whole never fires (`0 0 31 2 *`: 31 February): BullMQ would
 * then fail at upsert time, after the connection was stored. The next run is computed with the
 * parser BullMQ itself uses (cron-parser), so what passes here BullMQ can schedule.
 */
function assertFires(pattern: string, text: string): void {
  try {
    cronParser.parseExpression(pattern, { tz: 'UTC' }).next();
  } catch (err) {
    throw new IntervalError(`cron "${text}" never fires (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** `every` in words for tables: 90000 → "1m30s". */
export function formatEvery(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || `${ms}ms`;
}
