import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/index.ts';
import { isSecureOrLoopbackUrl } from '../config/load.ts';
import type { Logger } from '../log/logger.ts';
import type { RunNotifier } from './afterRunClosed.ts';
import { WebhookNotifier } from './webhook.ts';

/**
 * The webhook notifier when CITI_SYNC_WEBHOOK_URL is set, checked at start-up of `sync` and `worker`:
 * it must be signed, so the secret is required; and it must travel encrypted (https) unless it stays
 * on this machine (loopback) or the operator allowed plain http (CITI_SYNC_WEBHOOK_ALLOW_HTTP). The
 * signature stops forgery, not reading: an event names connections and why their runs failed.
 */
export function notifierFrom(cfg: Config, logger: Logger): RunNotifier | undefined {
  if (!cfg.CITI_SYNC_WEBHOOK_URL) return undefined;
  if (!cfg.CITI_SYNC_WEBHOOK_SECRET) throw new ConfigError('CITI_SYNC_WEBHOOK_SECRET', 'is required when CITI_SYNC_WEBHOOK_URL is set (events are signed with it)');
  const log = logger.child({ component: 'webhook' });
  if (!isSecureOrLoopbackUrl(cfg.CITI_SYNC_WEBHOOK_URL)) {
    // The origin only: a webhook URL's path or query is often its own secret (a token in the path).
    const origin = new URL(cfg.CITI_SYNC_WEBHOOK_URL).origin;
    if (!cfg.CITI_SYNC_WEBHOOK_ALLOW_HTTP) {
      throw new ConfigError(
        'CITI_SYNC_WEBHOOK_URL',
        `must use https:// (plain http is allowed for loopback addresses, or anywhere with CITI_SYNC_WEBHOOK_ALLOW_HTTP=1) (got ${origin})`,
      );
    }
    log.warn({ origin }, 'webhook events are sent over plain http (CITI_SYNC_WEBHOOK_ALLOW_HTTP): readable on the network path');
  }
  return new WebhookNotifier({ url: cfg.CITI_SYNC_WEBHOOK_URL, secret: cfg.CITI_SYNC_WEBHOOK_SECRET, logger: log });
}
