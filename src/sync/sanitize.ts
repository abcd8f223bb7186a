/**
 * Postgres cannot store NUL in text or jsonb, and rejects lone UTF-16 surrogates in jsonb. Bank text
 * is stored as it came except for exactly these: NUL characters are removed and lone surrogates become
 * U+FFFD. Everything else (any length, any script, emoji) is kept.
 */
export function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  const noNul = s.includes('\u0000') ? s.replace(/\u0000/g, '') : s;
  return noNul.isWellFormed() ? noNul : noNul.toWellFormed();
}

export function cleanJson(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k)] = cleanJson(v);
    return out;
  }
  return value;
}
