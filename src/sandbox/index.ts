/** The Citi sandbox simulator: the whole API contract over real HTTP, deterministic from a seed. */
export { startSandbox } from './server.ts';
export { runSandboxCli, type SandboxCliOptions } from './cli.ts';
export type {
  Faults,
  Sandbox,
  SandboxOptions,
  SandboxProfile,
  SandboxStats,
  SandboxUser,
  TokenResponse,
  TruthAccount,
  TruthTransaction,
} from './types.ts';
