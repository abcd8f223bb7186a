import { z } from 'zod';

/**
 * Every setting citi-sync reads, keyed by its environment variable name. CLI flags override these
 * (flag > environment > .env file > default). The README's configuration table mirrors this file.
 */
const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalText = z
  .string()
  .transform((s) => s.trim())
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/** A yes/no setting: `1`/`true`/`yes` or `0`/`false`/`no` (any case); unset is no. */
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ['1', 'true', 'yes', '0', 'false', 'no'].includes(s), 'must be 1 or 0 (also true/false, yes/no)')
  .transform((s) => ['1', 'true', 'yes'].includes(s))
  .default(false);

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((s) => {
      try {
        // `postgres:u:pw@h/db` parses (as an opaque path) but names no server: ask for `scheme://`.
        return protocols.includes(new URL(s).protocol) && /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const envSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  CITI_SYNC_DATA_DIR: z.string().trim().min(1).default('.citi-sync'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  CITI_API_BASE_URL: url(['https:', 'http:']).default('https://sandbox.apihub.citi.com/gcb/api'),
  CITI_CLIENT_ID: optionalText,
  CITI_CLIENT_SECRET: optionalText,
  CITI_REDIRECT_URI: url(['http:', 'https:']).default('http://127.0.0.1:8765/callback'),
  CITI_SYNC_ENCRYPTION_KEY: optionalText,
  CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS: optionalText,
  // Below 0.01/s a request slot is minutes away: a typo (1e-7), not a budget (issue 10 item 11).
  CITI_MAX_REQUESTS_PER_SECOND: z.coerce.number().min(0.01).max(10_000).default(10),
  CITI_REQUEST_BURST: intFrom(1, 10_000).optional(),
  /** The market of new connections (contract §0): US speaks US v2, any other code Asia-Pacific v1. */
  CITI_COUNTRY: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter country code (US, SG, HK, AU, IN, …)')
    .default('US'),
  /** Unset: as far back as the market allows (US 24 months, Asia-Pacific 12); more is capped with a warning. */
  CITI_HISTORY_MONTHS: intFrom(1, 120).optional(),
  CITI_LOOKBACK_DAYS: intFrom(0, 365).default(14),
  CITI_CORRECTION_DAYS: intFrom(0, 365).default(30),
  CITI_WINDOW_DAYS: intFrom(1, 366).optional(),
  CITI_WINDOW_CONCURRENCY: intFrom(1, 64).default(4),
  CITI_ACCOUNT_CONCURRENCY: intFrom(1, 64).default(4),
  CITI_HTTP_TIMEOUT_MS: intFrom(100, 600_000).default(30_000),
  CITI_MAX_RETRIES: intFrom(0, 50).default(5),
  // Every value from upstream has a bound (issue 10 items 3 and 8): the longest Retry-After obeyed, the
  // whole time one request may take (headers and body), and the largest body read.
  CITI_MAX_RETRY_AFTER_S: intFrom(1, 86_400).default(300),
  CITI_REQUEST_DEADLINE_MS: intFrom(100, 3_600_000).default(120_000),
  CITI_MAX_BODY_BYTES: intFrom(1024, 1_073_741_824).default(16 * 1024 * 1024),
  CITI_TLS_CERT: optionalText,
  CITI_TLS_KEY: optionalText,
  CITI_TLS_CA: optionalText,
  // BullMQ's multi-key scripts need every key of a queue in one Redis Cluster slot: the braces make
  // the prefix a hash tag (README, Worker mode). Without them a cluster fails at the first job.
  CITI_SYNC_QUEUE_PREFIX: z
    .string()
    .trim()
    .max(100)
    .regex(/^[^{}]*\{[^{}]+\}[^{}]*$/, 'must contain one {hash tag} in braces, e.g. {citi-sync} or {acme-citi}')
    .default('{citi-sync}'),
  CITI_SYNC_WORKER_CONCURRENCY: intFrom(1, 256).default(4),
  // Loopback unless the operator chooses otherwise: the ops port can carry the queue dashboard.
  CITI_SYNC_METRICS_HOST: z.string().trim().min(1).max(255).default('127.0.0.1'),
  CITI_SYNC_DASHBOARD_TOKEN: z.string().trim().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)').max(1024).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Set (to anything but empty) to turn colours off (no-color.org). */
  NO_COLOR: optionalText,
  /** Receives a signed JSON event when a connection's run fails or is partial, needs re-consent, or recovers. */
  CITI_SYNC_WEBHOOK_URL: url(['https:', 'http:']).optional(),
  /** HMAC-SHA256 key for the webhook's signature header. */
  CITI_SYNC_WEBHOOK_SECRET: optionalText,
  /**
   * Plain http to a webhook host that is not loopback carries each event (connection ids, failure
   * reasons) in clear and lets anyone on the path read it: refused unless the operator says so here.
   */
  CITI_SYNC_WEBHOOK_ALLOW_HTTP: flag,
});

export type EnvInput = z.input<typeof envSchema>;
export type EnvConfig = z.output<typeof envSchema>;
export const CONFIG_KEYS = Object.keys(envSchema.shape) as Array<keyof EnvConfig>;
