import { InvalidArgumentError } from 'commander';
import { countryCode } from '../../citi/index.ts';

/** `--country`: a two-letter market code, stored upper case (US speaks US v2, the rest Asia-Pacific v1). */
export function countryArg(value: string): string {
  try {
    return countryCode(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
