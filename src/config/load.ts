import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from './errors.ts';
import { redactUrl } from '../log/redactUrl.ts';
import { CONFIG_KEYS, envSchema, type EnvConfig } from './schema.ts';

export type Config = Readonly<EnvConfig & { tls: TlsFiles | undefined }>;
export interface TlsFiles {
  /** Client certificate and key for two-way TLS: both or neither. */
  readonly cert: string | undefined;
  readonly key: string | undefined;
  /** CA bundle that signs Citi's server certificate; may be set alone. */
  readonly ca: string | undefined;
}

export interface LoadConfigOptions {
  /** The process environment (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Overrides from CLI flags, keyed by environment variable name. */
  overrides?: Partial<Record<keyof EnvConfig, string | number | undefined>>;
  /** Path of the .env file; read only when it exists. Pass null to skip it. */
  dotenvPath?: string | null;
}

/**
 * Parses configuration once, at the edge, into a frozen object. Precedence: flag > environment >
 * .env file > default. Throws ConfigError naming the first bad key, so the CLI can print one line.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const dotenvPath = options.dotenvPath === undefined ? resolve('.env') : options.dotenvPath;
  const fromFile = dotenvPath && existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};

  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const override = options.overrides?.[key];
    const value = override !== undefined ? String(override) : valueOf(key, env, fromFile);
    // An empty variable means "not set", as in most twelve-factor tools.
    if (value !== undefined && value !== '') raw[key] = value;
  }

  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? 'configuration');
    throw new ConfigError(key, describeIssue(key, issue?.message ?? 'is invalid', raw[key]));
  }
  const cfg = parsed.data;
  return Object.freeze({ ...cfg, tls: readTls(cfg) });
}

/**
 * `KEY` or `KEY_FILE` (environment first, then .env): the file form keeps secrets out of the
 * environment, as Docker and Kubernetes secrets are mounted files. Both set is ambiguous, so an error.
 */
function valueOf(key: string, env: NodeJS.ProcessEnv, fromFile: Record<string, string>): string | undefined {
  const fileKey = `${key}_FILE`;
  const direct = env[key] ?? fromFile[key];
  const path = env[fileKey] ?? fromFile[fileKey];
  if (path === undefined || path === '') return direct;
  if (direct !== undefined && direct !== '') throw new ConfigError(key, `set ${key} or ${fileKey}, not both`);
  // A trailing newline is how most editors and `echo` end a file; it is never part of a secret.
  return readSettingFile(fileKey, path).replace(/\r?\n$/, '');
}

/** Largest file a setting is read from: a CA bundle is a few hundred KB, a secret a few bytes. */
export const MAX_SETTING_FILE_BYTES = 1024 * 1024;

/**
 * A setting's file, bounded: only a regular file (a Docker or Kubernetes secret is one) of at most
 * MAX_SETTING_FILE_BYTES. `/dev/zero` was read until memory ran out and a FIFO blocked start-up
 * forever, neither naming the key. Opened non-blocking so a FIFO is refused, not waited on.
 */
export function readSettingFile(key: string, path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new ConfigError(key, `cannot read file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(key, `cannot read file ${path} (${stat.isDirectory() ? 'EISDIR' : 'not a regular file'})`);
    if (stat.size > MAX_SETTING_FILE_BYTES) throw new ConfigError(key, `file ${path} is larger than ${MAX_SETTING_FILE_BYTES} bytes`);
    const buf = Buffer.alloc(MAX_SETTING_FILE_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_SETTING_FILE_BYTES) throw new ConfigError(key, `file ${path} is larger than ${MAX_SETTING_FILE_BYTES} bytes`);
    return buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(key, `cannot read file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    closeSync(fd);
  }
}

function describeIssue(key: string, message: string, value: unknown): string {
  if (value === undefined) return `is required (${message})`;
  // Never echo secrets back; other values help the user spot the typo.
  if (/SECRET|KEY|TOKEN|PASSWORD/.test(key) || typeof value !== 'string' || value.length > 200) return message;
  // A URL's password is a secret too, even in a value too broken to parse (`postgress://u:pw@h`).
  return `${message} (got "${/_UR[LI]$/.test(key) ? redactUrl(value) : value}")`;
}

/**
 * CITI_TLS_CA alone is honoured (a private CA for the server, no client certificate): it used to be
 * ignored silently unless CITI_TLS_CERT and CITI_TLS_KEY were set too (found by the mTLS test).
 */
function readTls(cfg: EnvConfig): TlsFiles | undefined {
  if (!cfg.CITI_TLS_CERT && !cfg.CITI_TLS_KEY && !cfg.CITI_TLS_CA) return undefined;
  if (cfg.CITI_TLS_KEY && !cfg.CITI_TLS_CERT) throw new ConfigError('CITI_TLS_CERT', 'is required when CITI_TLS_KEY is set');
  if (cfg.CITI_TLS_CERT && !cfg.CITI_TLS_KEY) throw new ConfigError('CITI_TLS_KEY', 'is required when CITI_TLS_CERT is set');
  return Object.freeze({
    cert: cfg.CITI_TLS_CERT ? readPem('CITI_TLS_CERT', cfg.CITI_TLS_CERT) : undefined,
    key: cfg.CITI_TLS_KEY ? readPem('CITI_TLS_KEY', cfg.CITI_TLS_KEY) : undefined,
    ca: cfg.CITI_TLS_CA ? readPem('CITI_TLS_CA', cfg.CITI_TLS_CA) : undefined,
  });
}

/** Accepts a PEM file path or the PEM text itself (handy in container secrets). */
function readPem(key: string, value: string): string {
  if (value.includes('-----BEGIN')) return value;
  return readSettingFile(key, value);
}

/** Fails at start-up, naming the key, when a command needs a setting that has no default. */
export function requireKeys<K extends keyof EnvConfig>(cfg: Config, keys: K[]): void {
  for (const key of keys) {
    if (cfg[key] === undefined) throw new ConfigError(key, 'is required for this command');
  }
}

/**
 * Plain http is allowed only to loopback (the sandbox); anything else must be https. Loopback means a
 * literal IP in 127.0.0.0/8 or ::1, or exactly `localhost`: a name such as `127.evil.example` is
 * resolved by DNS and may point anywhere.
 */
export function assertSecureBaseUrl(cfg: Config): void {
  if (!isSecureOrLoopbackUrl(cfg.CITI_API_BASE_URL)) {
    throw new ConfigError('CITI_API_BASE_URL', 'must use https:// (plain http is allowed only for loopback addresses)');
  }
}

export function isSecureOrLoopbackUrl(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'https:') return true;
  return isLoopbackHost(u.hostname);
}

/** `hostname` as URL parses it (IPv6 in brackets, IPv4 already canonical: `127.1` becomes `127.0.0.1`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  if (isIPv6(host)) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * True for a Host header naming a loopback address (or none, as HTTP/1.0 may send). A server bound
 * to loopback checks it: DNS rebinding points a web page's own name at 127.0.0.1, so only the Host
 * header tells the browser's request from a local client's.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return true;
  try {
    return isLoopbackHost(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}
