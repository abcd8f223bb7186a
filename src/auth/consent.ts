import type { TokenSet } from '../citi/index.ts';
import { insertConnection, type ConnectionSummary } from '../db/connections.ts';
import type { Queryable } from '../db/database.ts';
import type { TokenCipher } from './crypto.ts';

/**
 * Turning tokens into a stored connection: encrypt here, then hand only ciphertext to the
 * connections table (src/db/connections.ts), so db never needs the cipher.
 */
export interface NewConnection {
  /** User-chosen: a letter or digit, then up to 63 of letters, digits, '.', '_', '-'. */
  id: string;
  refreshToken: string;
  accessToken?: string;
  accessTokenExpiresAt?: Date;
  refreshTokenExpiresAt?: Date;
  scopes?: string;
  /** The customer's market (ISO 3166 alpha-2, e.g. US, SG): the API dialect its syncs speak. @defaultValue 'US' */
  country?: string;
}

/**
 * Stores a new connection (status active). With `replace`, an existing connection of that id gets
 * the new tokens and becomes active again; its accounts and transactions are kept.
 */
export async function addConnection(
  db: Queryable,
  cipher: TokenCipher,
  input: NewConnection,
  opts: { replace?: boolean } = {},
): Promise<ConnectionSummary> {
  if (!input.refreshToken) throw new TypeError('addConnection: refreshToken is empty');
  return insertConnection(
    db,
    {
      id: input.id,
      accessTokenEnc: input.accessToken ? cipher.encrypt(input.accessToken) : null,
      accessTokenExpiresAt: input.accessTokenExpiresAt ?? null,
      refreshTokenEnc: cipher.encrypt(input.refreshToken),
      refreshTokenExpiresAt: input.refreshTokenExpiresAt ?? null,
      scopes: input.scopes ?? null,
      country: input.country,
    },
    opts,
  );
}

/** Stores (or replaces) a consent from the tokens the OAuth code flow returned, for a customer of `country`. */
export async function saveConsent(db: Queryable, cipher: TokenCipher, id: string, tokens: TokenSet, country = 'US'): Promise<ConnectionSummary> {
  return addConnection(
    db,
    cipher,
    {
      id,
      refreshToken: tokens.refreshToken,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: tokens.expiresAt,
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
      scopes: tokens.scope,
      country,
    },
    { replace: true },
  );
}
