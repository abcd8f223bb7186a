import type { TokenCipher } from '../auth/crypto.ts';
import type { CitiClient } from '../citi/index.ts';
import { connectionSchedule, getConnection, purgeConnection, removeConnection } from '../db/connections.ts';
import type { Database } from '../db/database.ts';
import { accountLockKey, connectionLockKey, withLocks } from '../sync/locks.ts';
import { storedAccounts } from '../sync/sql/accounts.ts';

/**
 * `connection remove [--purge]` as one lifecycle:
 *  1. take the connection's sync lock and every one of its accounts' locks (what `sync` and the
 *     workers' account jobs hold while they write), waiting `waitMs` or failing with
 *     SyncInProgressError, so no sync is halfway through a page of it;
 *  2. in one transaction, with the connection row locked (token refreshes wait): revoke the grant
 *     at Citi with the stored refresh token, then delete the tokens and schedule (or every row);
 *  3. the caller then removes the schedule from Redis.
 * A sync that starts afterwards finds the connection gone or revoked and stops with a typed error.
 */

export interface RemovalOptions {
  purge: boolean;
  /** How long to wait for a running sync of the connection. @defaultValue 0 */
  waitMs?: number;
  /** Revokes the grant at Citi; undefined when the client is not configured (a warning). */
  oauth?: Pick<CitiClient['oauth'], 'revoke'> | undefined;
  cipher?: TokenCipher | undefined;
  /** Why `oauth` or `cipher` is missing, for the warning. */
  cannotRevoke?: string | undefined;
}

export interface RemovalReport {
  /** false: there was no connection of that id (for a purge: nothing at all was left of it). */
  found: boolean;
  /** The connection row existed at the start (a purge of leftovers finds it already gone). */
  existed: boolean;
  /** Leftover transactions deleted by a purge. */
  transactions: number;
  revokedAtCiti: boolean;
  /** The schedule recorded in Postgres before the removal (the caller removes it from Redis). */
  schedule: string | null;
  /** One line each, for stderr: what could not be done (none of it blocks the removal). */
  warnings: string[];
}

export async function removeConnectionSafely(db: Database, id: string, o: RemovalOptions): Promise<RemovalReport> {
  return withLocks(db, async (locks) => {
    const releases: Array<() => Promise<void>> = [];
    try {
      releases.push(await locks.acquire(connectionLockKey(id), { waitMs: o.waitMs, connectionId: id }));
      for (const a of await storedAccounts(db, id)) {
        releases.push(await locks.acquire(accountLockKey(id, a.accountId), { waitMs: o.waitMs, connectionId: id }));
      }
      return await db.transaction(async (tx) => {
        const report: RemovalReport = { found: false, existed: false, transactions: 0, revokedAtCiti: false, schedule: null, warnings: [] };
        const row = await getConnection(tx, id, { forUpdate: true });
        report.schedule = await connectionSchedule(tx, id);
        report.existed = row !== undefined;
        const token = row?.refreshTokenEnc ?? row?.accessTokenEnc;
        if (row && token) {
          if (!o.oauth || !o.cipher) {
            report.warnings.push(`the grant was not revoked at Citi (${o.cannotRevoke ?? 'no Citi client configured'}): revoke it there by hand`);
          } else {
            try {
              await o.oauth.revoke(o.cipher.decrypt(token), row.refreshTokenEnc ? 'refresh_token' : 'access_token');
              report.revokedAtCiti = true;
            } catch (err) {
              // The person asked for the connection to go: a Citi that cannot be reached must not keep it.
              report.warnings.push(`the grant was not revoked at Citi (${err instanceof Error ? err.message : String(err)}): revoke it there by hand`);
            }
          }
        }
        if (o.purge) {
          const gone = await purgeConnection(tx, id);
          report.found = gone.connection || gone.transactions > 0;
          report.transactions = gone.transactions;
        } else {
          report.found = await removeConnection(tx, id);
        }
        return report;
      });
    } finally {
      for (const release of releases.reverse()) await release();
    }
  });
}
