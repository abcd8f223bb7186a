import type { RequestGate } from '../citi/gate.ts';

/**
 * Passes through to the real gate and reports each pause. The client pauses the gate exactly when
 * Citi answers 429, so this counts 429s without depending on the client's hooks.
 */
export class CountingGate implements RequestGate {
  constructor(
    private readonly inner: RequestGate,
    private readonly onPause: (ms: number) => void,
  ) {}

  acquire(signal?: AbortSignal): Promise<void> {
    return this.inner.acquire(signal);
  }

  pauseFor(ms: number): void | Promise<void> {
    this.onPause(ms);
    return this.inner.pauseFor(ms);
  }
}
