import { UnrecoverableError } from 'bullmq';
import type { ConnectionState } from '../db/connections.ts';

/**
 * The connection was removed, revoked or needs re-consent: retrying cannot help, so the job fails
 * at once (BullMQ does not retry an UnrecoverableError) and waits for a person to act.
 */
export class ConnectionGoneError extends UnrecoverableError {
  override readonly name = 'ConnectionGoneError';
  constructor(connectionId: string, state: ConnectionState | undefined, detail?: string) {
    const what = state ? `is ${state.status}${state.statusReason ? `: ${state.statusReason}` : ''}` : 'no longer exists';
    super(`connection ${connectionId} ${what}${detail ? ` (${detail})` : ''}; not retrying`);
  }
}
