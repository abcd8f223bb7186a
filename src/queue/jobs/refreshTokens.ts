import { ConnectionUnusableError } from '../../auth/errors.ts';
import { tokensFor, type SyncDeps } from '../../sync/index.ts';
import { connectionsExpiringBefore } from '../../db/connections.ts';
import type { JobContext } from './context.ts';
import { messageOf } from '../../log/errorText.ts';

/** Refresh tokens live 30 days; a consent is refreshed once fewer than this many days are left. */
export const REFRESH_WITHIN_MS = 7 * 24 * 3600 * 1000;

export interface SweepResult {
  checked: number;
  refreshed: number;
  needsReauth: string[];
  failed: string[];
}

/**
 * Keeps idle consents alive: a connection that is never synced would otherwise lose its grant when
 * its refresh token lapses. Each refresh goes through ConnectionTokens, i.e. under the connection's
 * row lock with the rotated token committed before use, so it cannot race a running sync.
 */
export async function refreshExpiringConsents(deps: SyncDeps, opts: { withinMs?: number; onRefresh?: () => void } = {}): Promise<SweepResult> {
  const now = deps.now?.() ?? new Date();
  const ids = await connectionsExpiringBefore(deps.db, new Date(now.getTime() + (opts.withinMs ?? REFRESH_WITHIN_MS)));
  const out: SweepResult = { checked: ids.length, refreshed: 0, needsReauth: [], failed: [] };
  for (const id of ids) {
    const tokens = tokensFor(deps, id);
    try {
      const current = await tokens.accessToken();
      // accessToken() refreshes only when the access token is about to expire; the point here is a
      // new refresh token, so when it did not, declare the current one rejected. Under the row lock
      // that refreshes unless another process refreshed a moment ago (which is just as good).
      if (tokens.refreshes === 0) await tokens.refreshAfterUnauthorized(current);
      out.refreshed += tokens.refreshes > 0 ? 1 : 0;
    } catch (err) {
      if (err instanceof ConnectionUnusableError) out.needsReauth.push(id);
      else {
        out.failed.push(id);
        deps.logger.warn({ connectionId: id, err: { message: messageOf(err) } }, 'consent refresh failed');
      }
    }
    for (let i = 0; i < tokens.refreshes; i++) opts.onRefresh?.();
  }
  return out;
}

export function refreshProcessor(ctx: JobContext) {
  return async (): Promise<SweepResult> => {
    const result = await refreshExpiringConsents(ctx.deps, { onRefresh: () => ctx.metrics?.tokenRefreshes.inc() });
    ctx.deps.logger.info({ ...result }, 'consent refresh sweep finished');
    // Transient failures: let BullMQ retry the sweep later (refreshed ones are no longer due).
    if (result.failed.length > 0) throw new Error(`could not refresh ${result.failed.length} consent(s): ${result.failed.slice(0, 5).join(', ')}`);
    return result;
  };
}
