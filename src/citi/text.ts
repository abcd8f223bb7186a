import { isLosslessNumber } from 'lossless-json';

/**
 * Postgres text and jsonb cannot hold NUL (U+0000), so it is removed from everything Citi sends, at
 * the edge. Nothing else is changed: any script, emoji, control characters other than NUL stay.
 */
export function stripNul(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
}

/** A JSON value with NUL removed from every string (keys included); exact numbers (json.ts) stay as they are. */
export function stripNulDeep(value: unknown): unknown {
  if (typeof value === 'string') return stripNul(value);
  if (isLosslessNumber(value)) return value;
  if (Array.isArray(value)) return value.map(stripNulDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty, not assignment: a `__proto__` key from JSON must stay data, not a prototype.
      Object.defineProperty(out, stripNul(k), { value: stripNulDeep(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
