import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';

let prefix: string | undefined;

/**
 * A command as the user can type it: `citi-sync …` when that is on PATH (a global install, the
 * image), `npx citi-sync …` otherwise (a project dependency or a clone, where `citi-sync` alone is
 * "command not found").
 */
export function cliCommand(args: string, env: NodeJS.ProcessEnv = process.env): string {
  // Under npx, PATH includes node_modules/.bin only for this run: the user's shell does not have it.
  prefix ??= env.npm_command !== 'exec' && onPath('citi-sync', env.PATH ?? '') ? 'citi-sync' : 'npx citi-sync';
  return `${prefix} ${args}`;
}

function onPath(name: string, path: string): boolean {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** For tests: forget the cached answer. */
export function resetCliCommandCache(): void {
  prefix = undefined;
}
