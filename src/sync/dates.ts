/**
 * UTC calendar-date helpers for sync windows (dates, never instants). The date arithmetic is the Citi
 * client's own (src/citi/windows.ts), so windows and ranges can never disagree on a month's length.
 */
export { addDays, monthsBefore as subtractMonths } from '../citi/windows.ts';

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}
