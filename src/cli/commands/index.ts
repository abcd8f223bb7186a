import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import { registerConnection } from './connection.ts';
import { registerMigrate } from './migrate.ts';
import { registerSandbox } from './sandbox.ts';
import { registerSync } from './sync.ts';
import { registerDemo } from './demo.ts';
import { registerSql } from './sql.ts';

export function registerCommands(program: Command, config: () => Config): void {
  registerDemo(program, config);
  registerSync(program, config);
  registerMigrate(program, config);
  registerConnection(program, config);
  registerSandbox(program);
  registerSql(program, config);
}
