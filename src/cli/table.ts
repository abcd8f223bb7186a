/** Plain-text tables for command output (status, sync summaries, connection and schedule lists). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n') + '\n';
}

/** Account ids can be 128 characters (contract §6): tables show the start, enough to tell them apart. */
export function shortId(id: string): string {
  return id.length > 24 ? `${id.slice(0, 21)}...` : id;
}
