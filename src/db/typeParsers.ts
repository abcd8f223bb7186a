import pg from 'pg';

/**
 * Type OIDs (pg_type.oid) whose default JS form differs between node-postgres and PGlite, or loses
 * information. Both backends are configured from this file so a row reads the same on either.
 */
export const TypeOid = {
  int8: 20,
  int4: 23,
  text: 25,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  jsonb: 3802,
  textArray: 1009,
  int8Array: 1016,
  numericArray: 1231,
  dateArray: 1182,
  timestampArray: 1115,
} as const;

const asText = (value: string): string => value;
// pg's typings list only scalar OIDs; its parsers cover the array types too.
const pgParser = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => unknown;

/**
 * Kept as text:
 * - numeric: exact decimal (a JS number would round 0.1 + 0.2 and anything past 2^53);
 * - int8: may exceed Number.MAX_SAFE_INTEGER;
 * - date: a calendar day has no time zone; a JS Date would shift it by the process's offset;
 * - timestamp without time zone: likewise no zone to interpret it in.
 * timestamptz stays a Date (an instant), int4 a number, jsonb parsed.
 */
const SCALAR_AS_TEXT: number[] = [TypeOid.int8, TypeOid.numeric, TypeOid.date, TypeOid.timestamp];
const ARRAY_AS_TEXT: number[] = [TypeOid.int8Array, TypeOid.numericArray, TypeOid.dateArray, TypeOid.timestampArray];

/** The `types` option of a node-postgres Pool: per pool, so pg's global parsers stay untouched. */
export const nodePostgresTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if (format !== 'binary') {
      if (SCALAR_AS_TEXT.includes(oid)) return asText;
      if (ARRAY_AS_TEXT.includes(oid)) return pgParser(TypeOid.textArray, 'text');
    }
    return pgParser(oid, format ?? 'text');
  },
};

/** The `parsers` option of PGlite. Its array parsers use these element parsers. */
export const pgliteParsers: Record<number, (value: string) => unknown> = Object.fromEntries(
  SCALAR_AS_TEXT.map((oid) => [oid, asText]),
);
