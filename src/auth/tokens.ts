import type { AccessTokenProvider, TokenSet } from '../citi/index.ts';
import { ReauthRequiredError, RefreshOutcomeUnknownError } from '../citi/index.ts';
import { getConnection, markNeedsReauth, noteGrantAtRisk, storeRefreshedTokens, type ConnectionRecord } from '../db/connections.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { TokenCipher } from './crypto.ts';
import type { Logger } from '../log/logger.ts';
import { ConnectionUnusableError } from './errors.ts';

/** Refresh when the access token has less than this left, so a page never starts on a dying token. */
export const REFRESH_MARGIN_MS = 60_000;

export interface TokenRefresher {
  refresh(refreshToken: string): Promise<TokenSet>;
}

/**
 * The access tokens of one connection, shared by every request of a sync.
 *
 * Invariant: two processes must never present the same refresh token (Citi treats reuse as theft and
 * revokes the grant). So every refresh happens while holding the connection's row lock
 * (SELECT … FOR UPDATE), re-reads the stored tokens under that lock (another process may have just
 * refreshed), and commits the rotated refresh token in the same transaction before anyone uses it.
 */
export class ConnectionTokens implements AccessTokenProvider {
  private cached: { token: string; expiresAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  refreshes = 0;

  constructor(
    private readonly deps: { db: Database; cipher: TokenCipher; oauth: TokenRefresher; logger: Logger; now?: () => number },
    readonly connectionId: string,
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async accessToken(): Promise<string> {
    if (this.cached && this.cached.expiresAt - this.now() > REFRESH_MARGIN_MS) return this.cached.token;
    return this.singleFlight(undefined);
  }

  async refreshAfterUnauthorized(rejectedToken: string): Promise<string> {
    return this.singleFlight(rejectedToken);
  }

  /** One refresh at a time inside this process; the row lock does the same across processes. */
  private singleFlight(rejected: string | undefined): Promise<string> {
    if (!this.inflight) {
      this.inflight = this.refreshUnderLock(rejected).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async refreshUnderLock(rejected: string | undefined): Promise<string> {
    try {
      return await this.refreshInTransaction(rejected);
    } catch (err) {
      if (!(err instanceof RefreshOutcomeUnknownError)) throw err;
      // Not retried (it could present a rotated token again): said loudly, and kept on the connection
      // for `citi-sync status` until a refresh succeeds (RELIABILITY K).
      this.deps.logger.warn({ connectionId: this.connectionId, err: { name: err.name, code: err.code } }, 'refresh connection dropped after sending: the grant may be lost');
      await noteGrantAtRisk(this.deps.db, this.connectionId, `the last refresh (${new Date(this.now()).toISOString()}) lost its answer: the grant may be lost; if the next sync fails with invalid_grant, run citi-sync connect`).catch(() => undefined);
      throw err;
    }
  }

  private async refreshInTransaction(rejected: string | undefined): Promise<string> {
    const { db, cipher, oauth, logger } = this.deps;
    const outcome = await db.transaction(async (tx) => {
      const row = await this.lockRow(tx);
      if (row.status !== 'active') {
        throw new ConnectionUnusableError(this.connectionId, row.status, row.statusReason);
      }
      // Someone (another process, or an earlier call) may already hold a fresh token: use it.
      if (row.accessTokenEnc && row.accessTokenExpiresAt) {
        const stored = cipher.decrypt(row.accessTokenEnc);
        const left = row.accessTokenExpiresAt.getTime() - this.now();
        if (stored !== rejected && left > REFRESH_MARGIN_MS) {
          return { kind: 'token' as const, token: stored, expiresAt: row.accessTokenExpiresAt.getTime() };
        }
      }
      if (!row.refreshTokenEnc) {
        throw new ConnectionUnusableError(this.connectionId, 'needs_reauth', 'no refresh token stored');
      }
      let set: TokenSet;
      try {
        set = await oauth.refresh(cipher.decrypt(row.refreshTokenEnc));
      } catch (err) {
        if (err instanceof ReauthRequiredError) {
          // invalid_grant is final: record it and commit, never retry with this grant.
          await markNeedsReauth(tx, this.connectionId, 'Citi rejected the refresh token (invalid_grant): the user must consent again (citi-sync connect)');
          return { kind: 'reauth' as const, err };
        }
        throw err;
      }
      // The rotated refresh token is durable before the new access token is handed to anyone.
      await storeRefreshedTokens(tx, this.connectionId, {
        accessTokenEnc: cipher.encrypt(set.accessToken),
        accessTokenExpiresAt: set.expiresAt,
        refreshTokenEnc: cipher.encrypt(set.refreshToken),
        refreshTokenExpiresAt: set.refreshTokenExpiresAt,
        scopes: set.scope ?? null,
      });
      this.refreshes += 1;
      return { kind: 'token' as const, token: set.accessToken, expiresAt: set.expiresAt.getTime(), refreshed: true };
    });
    if (outcome.kind === 'reauth') {
      logger.warn({ connectionId: this.connectionId }, 'connection needs re-consent (invalid_grant)');
      throw new ConnectionUnusableError(this.connectionId, 'needs_reauth', 'Citi rejected the refresh token (invalid_grant)', {
        cause: outcome.err,
      });
    }
    if ('refreshed' in outcome) logger.debug({ connectionId: this.connectionId }, 'access token refreshed');
    this.cached = { token: outcome.token, expiresAt: outcome.expiresAt };
    return outcome.token;
  }

  private async lockRow(tx: Queryable): Promise<ConnectionRecord> {
    const row = await getConnection(tx, this.connectionId, { forUpdate: true });
    if (!row) throw new ConnectionUnusableError(this.connectionId, 'missing', 'no such connection');
    return row;
  }
}
