import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.ts';

/**
 * Every command runs on its own, as a user types it: each process registers only the command asked
 * for (src/cli/commands/index.ts), so a command that shares its module with another (`unschedule`
 * with `schedule`) must not collide with the other's placeholder. `unschedule` crashed on every call
 * ("cannot add command 'schedule'") and no test ran it alone.
 */
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function run(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
}

describe('every command, alone', () => {
  it.each([...COMMANDS.map((c) => c.name), 'schedule list', 'connection add', 'connection list', 'connection remove'])(
    'citi-sync %s --help prints its usage and exits 0',
    (command) => {
      const words = command.split(' ');
      const r = run([...words, '--help']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: citi-sync ${words.join(' ')}`);
    },
    30_000,
  );

  it('citi-sync unschedule without a target says which flag is missing (exit 2), no stack trace', () => {
    const r = run(['unschedule']);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
