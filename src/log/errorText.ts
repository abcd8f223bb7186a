/**
 * How every part of citi-sync turns an unknown thrown value into text, and walks `{ cause }` chains.
 * One copy, so a log line, a run record's `error` and the CLI's last line describe an error alike.
 */

/** The error's message, or the thrown value as text when it is not an Error. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** "Name: message" (what run records and failure lines store), or the thrown value as text. */
export function nameAndMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * The error, then its cause, its cause's cause…: objects only, at most `limit` of them, and never the
 * same object twice (a cycle of causes ends the walk instead of looping).
 */
export function* causeChain(err: unknown, limit = Infinity): Generator<object> {
  const seen = new Set<unknown>();
  let e: unknown = err;
  for (let n = 0; e !== null && typeof e === 'object' && !seen.has(e) && n < limit; n++) {
    seen.add(e);
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}
