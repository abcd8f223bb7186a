import { addDays, maxDate, subtractMonths } from './dates.ts';

export interface RangeInput {
  today: string;
  watermark: string | null;
  full: boolean;
  historyMonths: number;
  lookbackDays: number;
  /**
   * Citi may correct a posted transaction in place up to 30 days after it posted (contract §4). The
   * first sync of each day (the watermark is an earlier day) looks back this far instead, so a
   * correction older than the everyday lookback is still caught, at the cost of one wider sync a day.
   * 0 turns it off.
   */
  correctionDays?: number;
}

/**
 * The date range an account's sync must cover. A first (or --full) sync walks the whole history;
 * later ones start `lookbackDays` before the watermark, because pendings post late and live offsets
 * can skip a row in one pass: the overlap is what catches them. Never earlier than the history limit.
 */
export function syncRange(input: RangeInput): { from: string; to: string } {
  const historyStart = addDays(subtractMonths(input.today, input.historyMonths), 1);
  if (input.full || !input.watermark) return { from: historyStart, to: input.today };
  const firstToday = input.watermark < input.today;
  const lookback = firstToday ? Math.max(input.lookbackDays, input.correctionDays ?? 0) : input.lookbackDays;
  const from = maxDate(historyStart, addDays(input.watermark, -lookback));
  return { from: from > input.today ? input.today : from, to: input.today };
}
