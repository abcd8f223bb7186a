import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { EmbeddedDatabaseBusyError } from './errors.ts';

interface LockOwner {
  pid: number;
  host: string;
}

/**
 * An exclusive lock file next to the embedded database directory (`<dataDir>.lock`), holding the
 * owner's pid and host. PGlite writes its files with no locking of its own, so two processes on one
 * directory would corrupt it. A lock left by a process that no longer exists (on this host) is taken
 * over; a lock of a live process, or of another host, is not.
 */
export class LockFile {
  #released = false;
  readonly #onExit = (): void => this.releaseSync();

  private constructor(
    readonly path: string,
    private readonly content: string,
  ) {
    process.once('exit', this.#onExit);
  }

  static acquire(dataDir: string, path = `${dataDir}.lock`): LockFile {
    // Created private: it will hold the embedded database and its key (only when created here).
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const content = JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockOwner);
    // Two rounds: the second follows the removal of a stale lock. A third would mean another
    // process is racing us for the same stale lock, and it won.
    for (let attempt = 0; attempt < 2; attempt++) {
      // Written whole to a private file, then linked into place: link() fails if the lock exists,
      // and a reader never sees a half-written lock.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, content, { mode: 0o600 });
      try {
        linkSync(tmp, path);
        return new LockFile(path, content);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        unlinkSync(tmp);
      }
      const existing = readOwner(path);
      if (existing === 'gone') continue;
      if (existing !== undefined && (existing.host !== hostname() || isAlive(existing.pid))) {
        throw new EmbeddedDatabaseBusyError(dataDir, existing.pid, existing.host !== hostname() ? existing.host : undefined);
      }
      // Stale (dead pid) or unreadable (edited by hand). Remove only if it is still the same file.
      removeIfUnchanged(path, existing);
    }
    const owner = readOwner(path);
    throw new EmbeddedDatabaseBusyError(dataDir, owner !== undefined && owner !== 'gone' ? owner.pid : 0);
  }

  /** Removes the lock file if it is still ours. */
  releaseSync(): void {
    if (this.#released) return;
    this.#released = true;
    process.removeListener('exit', this.#onExit);
    try {
      if (readFileSync(this.path, 'utf8') === this.content) unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function readOwner(path: string): LockOwner | undefined | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return { pid: parsed.pid, host: parsed.host };
  } catch {
    // fall through: unreadable content
  }
  return undefined;
}

function removeIfUnchanged(path: string, seen: LockOwner | undefined): void {
  const now = readOwner(path);
  if (now === 'gone') return;
  if (JSON.stringify(now) !== JSON.stringify(seen)) return;
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
