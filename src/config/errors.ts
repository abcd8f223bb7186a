/** A setting is missing or invalid. The CLI prints `message` as one line and exits with code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`invalid configuration: ${key}: ${problem}`);
  }
}
