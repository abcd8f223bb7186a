import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type PinoPretty from 'pino-pretty';
import { errorSerializer } from './serializeError.ts';
import { terminalLogStream } from './terminal.ts';

const require = createRequire(import.meta.url);

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
  /** Colours in pretty lines; off when NO_COLOR is set. @defaultValue true */
  color?: boolean;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { app: 'citi-sync' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: errorSerializer({ stack: ['debug', 'trace'].includes(settings.level) }) },
  };
  if (settings.pretty) {
    // In this thread (not a transport worker) and through the terminal's writer, so lines and the
    // progress bar take turns instead of tearing each other. Loaded only for a terminal.
    const pretty = require('pino-pretty') as typeof PinoPretty;
    const stream = pretty.build({ destination: terminalLogStream, colorize: settings.color !== false, ignore: 'pid,hostname,app', sync: true });
    return pino(options, stream);
  }
  return pino(options, (settings.destination ?? pino.destination(2)) as pino.DestinationStream);
}

/** A logger that drops everything: the default for library code and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
