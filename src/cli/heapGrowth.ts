import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what survived its last full collection before it collects
 * again, in percent: 100 is twice the live heap. Left to itself, V8 picks up to 4× (its growing
 * factor when the heap limit is 2 GB or more, as on any machine with 8 GB of memory), and a
 * backfill's live heap is small (25–40 MB) but churns fast: on the 1M-row backfill the heap
 * peaked at 150 MB for a live 40, and peak RSS grew with rows per account (issue #13). At 2× the
 * heap peak was 87 MB and peak RSS 207 MB instead of 275, for the same engine CPU within the noise
 * of a shared machine (21.5–23.7 s for 1M rows; bench/memoryProbe.ts, BENCHMARKS.md section 6).
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Caps V8's heap growth for this process: called by the commands that move data for long (`sync`,
 * `worker`), not by the library (it does not set V8 flags for its host) nor by the demo (short, and
 * timed). The flag is read each time V8 sizes the heap after a collection, so setting it before
 * the first sync takes effect for the whole run.
 */
export function boundHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
