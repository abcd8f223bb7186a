/** Exit codes are public interface: scripts rely on them. */
export const EXIT = {
  ok: 0,
  /** The command ran but something failed (e.g. an account's sync). */
  failed: 1,
  /** Bad input: invalid config, flag or argument. Nothing was changed. */
  usage: 2,
  /** Busy: another process is syncing the connection (`connection remove`). Nothing was changed. */
  busy: 3,
} as const;

/** A failure the user can fix by changing what they typed; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command finished with failures; its own output already explained them. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}
