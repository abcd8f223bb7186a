import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { RunNotifier } from './afterRunClosed.ts';
import { WebhookNotifier } from './webhook.ts';

/** The webhook notifier when CITI_SYNC_WEBHOOK_URL is set; it must be signed, so the secret is required. */
export function notifierFrom(cfg: Config, logger: Logger): RunNotifier | undefined {
  if (!cfg.CITI_SYNC_WEBHOOK_URL) return undefined;
  if (!cfg.CITI_SYNC_WEBHOOK_SECRET) throw new ConfigError('CITI_SYNC_WEBHOOK_SECRET', 'is required when CITI_SYNC_WEBHOOK_URL is set (events are signed with it)');
  return new WebhookNotifier({ url: cfg.CITI_SYNC_WEBHOOK_URL, secret: cfg.CITI_SYNC_WEBHOOK_SECRET, logger: logger.child({ component: 'webhook' }) });
}
