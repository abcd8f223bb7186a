/**
 * `npx citi-sync worker` runs the worker under `npm exec` (through `sh -c`). On SIGTERM npm exits
 * without passing the signal on, and the worker, re-parented, would keep running with no one to
 * stop it: graceful shutdown and a supervisor's stop timeout would never apply. Under npm, a worker
 * therefore treats the loss of its parent as a SIGTERM. (Run `node_modules/.bin/citi-sync` or
 * `node bin/citi-sync.js` directly, as the image does, and signals arrive as sent.)
 */
export function underNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command === 'exec' || env.npm_lifecycle_event !== undefined;
}

/** Calls `onLost` once when this process's parent changes; returns a function that stops watching. */
export function watchParent(onLost: () => void, everyMs = 1000): () => void {
  const original = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== original) {
      clearInterval(timer);
      onLost();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
