import { InvalidArgumentError } from 'commander';

/** Connection ids appear in job ids, lock keys and URLs: keep them to a safe alphabet. */
export function connectionIdArg(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    throw new InvalidArgumentError('use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return value;
}

/**
 * A whole number typed in decimal digits, within [min, max]. Number() alone would take `1e9`, `0x10`
 * or ` 7 `, and an unbounded count or wait would let one typo hang a process (`--users 1e9`) or
 * overflow a timer (Node fires a setTimeout beyond 2^31-1 ms at once).
 */
export function boundedIntArg(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** The largest count or millisecond value a timer can hold. */
const MAX_TIMER_MS = 2_147_483_647;

export const positiveIntArg = boundedIntArg(1, MAX_TIMER_MS);

export const nonNegativeIntArg = boundedIntArg(0, MAX_TIMER_MS);

/** A wait in seconds, at most what a timer can hold (about 24 days). */
export const secondsArg = boundedIntArg(0, Math.floor(MAX_TIMER_MS / 1000));

/** A TCP port to listen on; 0 lets the system choose. */
export function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n > 65_535) throw new InvalidArgumentError('must be a port number, 0-65535');
  return n;
}
