import { anyStoredToken } from '../db/connections.ts';
import type { Queryable } from '../db/database.ts';
import { DecryptionError, type TokenCipher } from './crypto.ts';

/**
 * The configured keys cannot read the stored tokens. Found at start-up by decrypting one stored
 * token, before any sync starts or Citi is called. What to do: fix the configuration
 * (CITI_SYNC_ENCRYPTION_KEY, or add the old key to CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS).
 */
export class WrongEncryptionKeyError extends Error {
  override readonly name = 'WrongEncryptionKeyError';
  constructor(
    readonly connectionId: string,
    cause: DecryptionError,
  ) {
    super(`the stored tokens of connection ${connectionId} cannot be decrypted: ${cause.message}`, { cause });
  }
}

/** Decrypts the most recently stored token; throws WrongEncryptionKeyError when the keys do not fit. */
export async function checkEncryptionKey(db: Queryable, cipher: TokenCipher): Promise<void> {
  const stored = await anyStoredToken(db);
  if (!stored) return;
  try {
    cipher.decrypt(stored.tokenEnc);
  } catch (err) {
    if (err instanceof DecryptionError) throw new WrongEncryptionKeyError(stored.id, err);
    throw err;
  }
}
