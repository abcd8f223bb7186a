/** The Citi sandbox simulator: the whole API contract over real HTTP, deterministic from a seed. */
export { startSandbox } from './server.ts';
export { runSandboxCli, type SandboxCliOptions } from './cli.ts';
export { KNOWN_COUNTRIES, marketOf, type Market } from './market.ts';
export type {
  Faults,
  Sandbox,
  SandboxOptions,
  SandboxProfile,
  SandboxStats,
  SandboxUser,
  TokenResponse,
  TruthAccount,
  TruthBalances,
  TruthHolding,
  TruthTransaction,
} from './types.ts';
