import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenCipher, parseEncryptionKey } from '../auth/crypto.ts';
import { ConfigError, type Config } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { checkEncryptionKey, WrongEncryptionKeyError } from '../auth/keyCheck.ts';
import type { Queryable } from '../db/database.ts';

/**
 * The token cipher from CITI_SYNC_ENCRYPTION_KEY. With the embedded database (a local, one-user
 * setup such as the demo) a key is generated once and kept next to the data, so zero setup still
 * means encrypted tokens; a server database always needs the key from configuration.
 */
export function cipherFromConfig(cfg: Config, logger: Logger): TokenCipher {
  const previous = (cfg.CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((k, i) => parseKey(`CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS[${i}]`, k));
  if (cfg.CITI_SYNC_ENCRYPTION_KEY) return new TokenCipher(parseKey('CITI_SYNC_ENCRYPTION_KEY', cfg.CITI_SYNC_ENCRYPTION_KEY), previous);
  if (cfg.DATABASE_URL) throw new ConfigError('CITI_SYNC_ENCRYPTION_KEY', 'is required with a server database (DATABASE_URL); generate one with: openssl rand -hex 32');
  const file = join(cfg.CITI_SYNC_DATA_DIR, 'encryption.key');
  if (!existsSync(file)) {
    mkdirSync(cfg.CITI_SYNC_DATA_DIR, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    logger.info({ file }, 'generated a local encryption key for the embedded database');
  } else if (process.platform !== 'win32' && statSync(file).mode & 0o077) {
    logger.warn({ file }, `the local encryption key ${file} was readable by other users; reset to 0600`);
    chmodSync(file, 0o600);
  }
  return new TokenCipher(parseKey(file, readFileSync(file, 'utf8').trim()), previous);
}

/**
 * Start-up check: one stored token must decrypt with the configured keys, else a configuration
 * error (exit 2) naming the key, before anything runs (RELIABILITY J).
 */
export async function assertKeyReadsTokens(db: Queryable, cipher: TokenCipher): Promise<void> {
  try {
    await checkEncryptionKey(db, cipher);
  } catch (err) {
    if (err instanceof WrongEncryptionKeyError) throw new ConfigError('CITI_SYNC_ENCRYPTION_KEY', err.message);
    throw err;
  }
}

function parseKey(key: string, text: string): Buffer {
  try {
    return parseEncryptionKey(text);
  } catch (err) {
    throw new ConfigError(key, (err as Error).message);
  }
}
