import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM encryption of OAuth tokens at rest.
 *
 * Ciphertext format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (the last three base64url).
 * - keyId is the first 8 hex characters of sha256(key): it names the key without revealing it, so
 *   after a rotation each value is decrypted with the key that wrote it.
 * - The IV is 12 random bytes (GCM's native size); with random IVs a key is safe for far more
 *   encryptions (2^32) than a token store will ever make.
 * - `v1.<keyId>` is authenticated as additional data, so a header cannot be swapped.
 */
const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A value could not be decrypted: it was written with a key that is not configured, or it is not a
 * citi-sync ciphertext, or it was altered. What to do: configure the key named by `keyId` (as the
 * current key or in CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS), or re-add the connection. Nothing is deleted.
 */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
  constructor(
    message: string,
    /** The key id the value names, when it could be read. */
    readonly keyId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An encryption key in configuration is malformed. The message says how, never echoing the key. */
export class EncryptionKeyError extends Error {
  override readonly name = 'EncryptionKeyError';
}

/** The id of a key: the first 8 hex characters of its sha256. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export class TokenCipher {
  /** The id of the key new values are encrypted with. */
  readonly keyId: string;
  readonly #current: Buffer;
  readonly #keys = new Map<string, Buffer>();

  /**
   * @param current the key to encrypt with (32 bytes)
   * @param previous older keys still accepted for decryption, during a rotation
   */
  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEY_BYTES) throw new EncryptionKeyError(`an encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
      const id = keyIdOf(key);
      const known = this.#keys.get(id);
      if (known && !known.equals(key)) throw new EncryptionKeyError(`two configured keys share the id ${id}; generate a new key`);
      if (!known) this.#keys.set(id, Buffer.from(key));
    }
    this.#current = Buffer.from(current);
    this.keyId = keyIdOf(current);
  }

  /** The ids of every key this cipher can decrypt with, the current one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${VERSION}.${this.keyId}`));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, b64url(iv), b64url(cipher.getAuthTag()), b64url(body)].join('.');
  }

  decrypt(ct: string): string {
    const parts = parse(ct);
    const key = this.#keys.get(parts.keyId);
    if (!key) {
      throw new DecryptionError(
        `this value was encrypted with key ${parts.keyId}, which is not configured (configured: ${this.keyIds.join(', ')}); ` +
          'add that key to CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS, or re-add the connection',
        parts.keyId,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${VERSION}.${parts.keyId}`));
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.body), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new DecryptionError(`a value encrypted with key ${parts.keyId} failed authentication: it is corrupted or was altered`, parts.keyId, {
        cause: err,
      });
    }
  }

  /** True when ct was written with another key than the current one (re-encrypt it during a rotation). */
  needsReencrypt(ct: string): boolean {
    return parse(ct).keyId !== this.keyId;
  }
}

function parse(ct: string): { keyId: string; iv: Buffer; tag: Buffer; body: Buffer } {
  const parts = ct.split('.');
  const [version, keyId, iv, tag, body] = parts;
  if (parts.length !== 5 || version !== VERSION || keyId === undefined || !/^[0-9a-f]{8}$/.test(keyId)) {
    throw new DecryptionError(`not a citi-sync ${VERSION} ciphertext (expected v1.<keyId>.<iv>.<tag>.<data>)`, undefined);
  }
  const ivBuf = fromB64url(iv);
  const tagBuf = fromB64url(tag);
  const bodyBuf = fromB64url(body);
  if (ivBuf?.length !== IV_BYTES || tagBuf?.length !== TAG_BYTES || bodyBuf === undefined) {
    throw new DecryptionError(`a value encrypted with key ${keyId} is truncated or malformed`, keyId);
  }
  return { keyId, iv: ivBuf, tag: tagBuf, body: bodyBuf };
}

const b64url = (b: Buffer): string => b.toString('base64url');

function fromB64url(s: string | undefined): Buffer | undefined {
  if (s === undefined || !/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  return Buffer.from(s, 'base64url');
}

/**
 * Reads a 32-byte key written as 64 hex characters or as base64 (standard or url-safe, padded or
 * not), e.g. the output of `openssl rand -hex 32` or `openssl rand -base64 32`.
 */
export function parseEncryptionKey(text: string): Buffer {
  const s = text.trim();
  if (s === '') throw new EncryptionKeyError('the encryption key is empty');
  if (/^[0-9a-fA-F]+$/.test(s) && s.length === KEY_BYTES * 2) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) {
    const bytes = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
    if (/^[0-9a-fA-F]+$/.test(s)) {
      throw new EncryptionKeyError(`the encryption key has ${s.length} hex characters; it must have ${KEY_BYTES * 2} (32 bytes)`);
    }
    throw new EncryptionKeyError(`the encryption key decodes to ${bytes.length} bytes; it must be 32 bytes (64 hex characters or 44 base64 characters)`);
  }
  throw new EncryptionKeyError('the encryption key must be 64 hex characters or the base64 of 32 bytes (try `openssl rand -hex 32`)');
}

/** Parses a comma- or whitespace-separated list of keys (CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS). */
export function parseEncryptionKeyList(text: string | undefined): Buffer[] {
  if (!text) return [];
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s, i) => {
      try {
        return parseEncryptionKey(s);
      } catch (err) {
        throw new EncryptionKeyError(`key ${i + 1} of the list: ${(err as Error).message}`, { cause: err });
      }
    });
}
