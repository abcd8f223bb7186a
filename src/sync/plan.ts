import { addDays, maxDate, subtractMonths } from './dates.ts';

export interface RangeInput {
  today: string;
  watermark: string | null;
  full: boolean;
  historyMonths: number;
  lookbackDays: number;
}

/**
 * The date range an account's sync must cover. A first (or --full) sync walks the whole history;
 * later ones start `lookbackDays` before the watermark, because pendings post late and live offsets
 * can skip a row in one pass: the overlap is what catches them. Never earlier than the history limit.
 */
export function syncRange(input: RangeInput): { from: string; to: string } {
  const historyStart = addDays(subtractMonths(input.today, input.historyMonths), 1);
  if (input.full || !input.watermark) return { from: historyStart, to: input.today };
  const from = maxDate(historyStart, addDays(input.watermark, -input.lookbackDays));
  return { from: from > input.today ? input.today : from, to: input.today };
}
