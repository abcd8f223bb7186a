import type { Command } from 'commander';
import type { Config } from '../../config/index.ts';
import { registerConnection } from './connection.ts';
import { registerMigrate } from './migrate.ts';
import { registerSandbox } from './sandbox.ts';
import { registerSync } from './sync.ts';
import { registerDemo } from './demo.ts';
import { registerSql } from './sql.ts';
import { registerWorker } from './worker.ts';
import { registerSchedule, scheduleAdded } from './schedule.ts';
import { registerStatus } from './status.ts';
import { registerConnect } from './connect.ts';

export function registerCommands(program: Command, config: () => Config): void {
  registerDemo(program, config);
  registerSync(program, config);
  registerMigrate(program, config);
  registerConnect(program, config);
  registerConnection(program, config, { onAdded: scheduleAdded });
  registerSandbox(program);
  registerSql(program, config);
  registerWorker(program, config);
  registerSchedule(program, config);
  registerStatus(program, config);
}
