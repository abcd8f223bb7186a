import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what survived its last full collection before it collects
 * again, in percent: 100 is twice the live heap. Left to itself V8 went up to 4× here (its largest
 * growing factor, which it uses when the heap limit is large), and a backfill's live heap is small
 * (25–40 MB) but churns fast: on the 1M-row backfill it collected at 110–150 MB, and peak RSS grew
 * with rows per account (issue #13). At 2× the V8 heap peaked at 87–93 MB and the process at
 * 203–209 MB instead of 275. The cost is more full collections (29 → 58 on 1M rows), about the CPU
 * that encoding pages as they arrive saved: engine CPU over the simulator's CPU in the same run (a
 * control on a shared machine) 4.13–4.24 with the cap, 3.83–3.95 without, 4.19 before both
 * (bench/memoryProbe.ts).
 */
const HEAP_GROWING_PERCENT = 100;

/**
 * Caps V8's heap growth for this process: called by the commands that move data for long (`sync`,
 * `worker`), not by the library (it does not set V8 flags for its host) nor by the demo (short, and
 * timed). The flag is read each time V8 sizes the heap after a collection, so setting it before
 * the first sync takes effect for the whole run.
 */
export function boundHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
