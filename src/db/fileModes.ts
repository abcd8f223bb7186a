import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The embedded database holds every synced transaction: only its owner may read it. PGlite's
 * WebAssembly file system creates its files 0666 whatever the umask (968 files after one demo), so
 * the modes are set here, not left to the umask: directories 0700, files 0600. The directory mode
 * is what protects files PGlite creates while it runs (nobody else can enter); files are tightened
 * again at every open and close.
 */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface TightenReport {
  /** Entries whose mode let another user read, write or enter them, before they were tightened. */
  loosened: number;
  /** A few of them (relative paths with their old mode), for the warning. */
  examples: string[];
}

/** Sets every directory under `root` (itself included) to 0700 and every file to 0600. */
export function tightenTree(root: string): TightenReport {
  const report: TightenReport = { loosened: 0, examples: [] };
  if (process.platform === 'win32') return report; // modes mean nothing there; ACLs are the user's
  const visit = (path: string): void => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return; // never follow a link out of the data directory
    const want = st.isDirectory() ? DIR_MODE : FILE_MODE;
    const mode = st.mode & 0o777;
    if (mode & 0o077) {
      report.loosened += 1;
      if (report.examples.length < 3) report.examples.push(`${relative(root, path) || '.'} (${mode.toString(8)})`);
    }
    if (mode !== want) chmodSync(path, want);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return report;
}
