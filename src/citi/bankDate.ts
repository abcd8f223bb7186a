/**
 * "The bank's current date" (contract §0): the calendar date in the market's time zone, not UTC. A
 * window ending after it answers 400 `tranxToDateAfterCurrDate`; in a US evening, UTC is already
 * tomorrow.
 */
export function bankToday(now: Date, timeZone: string): string {
  const parts = dayFormat(timeZone).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/**
 * One formatter per zone: building one costs about half a millisecond (ICU loads the zone), once
 * per account of a sync. The zones are the dialects' own few (dialects/*.ts), so the cache stays small.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (f === undefined) {
    // bankToday is public: a caller passing many zones only empties the cache.
    if (formats.size >= 32) formats.clear();
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
