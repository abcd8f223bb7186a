import { apac } from './apac.ts';
import { COUNTRY_CODE, type Dialect } from './dialect.ts';
import { US } from './us.ts';

export type { Dialect } from './dialect.ts';
export { DEFAULT_APAC_TIME_ZONE } from './apac.ts';

/** `US` speaks US v2; every other market code speaks Asia-Pacific v1 (contract §0). */
export function dialectFor(country: string): Dialect {
  const cc = country.trim().toUpperCase();
  if (!COUNTRY_CODE.test(cc)) throw new RangeError(`not a country code (two letters, e.g. US, SG): ${JSON.stringify(country.slice(0, 20))}`);
  return cc === 'US' ? US : apac(cc);
}

/** The country code in its stored form (upper case), or a RangeError naming the bad value. */
export function countryCode(country: string): string {
  return dialectFor(country).country;
}
