import { InvalidArgumentError } from 'commander';

/** Connection ids appear in job ids, lock keys and URLs: keep them to a safe alphabet. */
export function connectionIdArg(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    throw new InvalidArgumentError('use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return value;
}

export function positiveIntArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

export function nonNegativeIntArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of at least 0');
  return n;
}

/** A TCP port to listen on; 0 lets the system choose. */
export function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n > 65_535) throw new InvalidArgumentError('must be a port number, 0-65535');
  return n;
}
