import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Every place a secret could sit in a log object. Redaction is by path, so code must log secrets
 * only under these names (it should never log them at all; this is the net under the net).
 */
export const REDACT_PATHS = [
  'accessToken', 'refreshToken', 'access_token', 'refresh_token', 'clientSecret', 'client_secret',
  'authorizationCode', 'code_verifier', 'codeVerifier', 'token', 'password', 'authorization', 'Authorization',
  '*.accessToken', '*.refreshToken', '*.access_token', '*.refresh_token', '*.clientSecret', '*.client_secret',
  '*.authorizationCode', '*.codeVerifier', '*.token', '*.password', '*.authorization', '*.Authorization',
  'headers.authorization', 'headers.Authorization', '*.headers.authorization', '*.headers.Authorization',
  'req.headers.authorization', 'request.headers.authorization',
];

export interface LoggerSettings {
  level: string;
  /** Pretty, human-readable lines (on a TTY); JSON lines otherwise. */
  pretty?: boolean;
  /** Where JSON lines go; stderr by default so stdout stays for command output. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { app: 'citi-sync' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  if (settings.pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname,app' } },
    });
  }
  return pino(options, (settings.destination ?? pino.destination(2)) as pino.DestinationStream);
}

/** A logger that drops everything: the default for library code and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
