import { causeChain } from '../log/errorText.ts';
/** One line for an unexpected error: the message chain, never a stack or a request's headers. */
export function describeFatal(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts: string[] = [];
  for (const e of causeChain(err, 4)) {
    if (!(e instanceof Error)) break;
    parts.push(e.message || e.name);
  }
  return [...new Set(parts)].join(': ');
}
