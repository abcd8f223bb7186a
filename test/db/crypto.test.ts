import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, EncryptionKeyError, TokenCipher, keyIdOf, parseEncryptionKey, parseEncryptionKeyList } from '../../src/auth/crypto.ts';

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);

describe('TokenCipher', () => {
  it('round-trips text, including non-ASCII, with the v1 format', () => {
    const c = new TokenCipher(KEY_A);
    for (const plain of ['', 'tok_abc.DEF-123', 'ünïcødé 🔑', 'x'.repeat(5000)]) {
      const ct = c.encrypt(plain);
      expect(ct).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
      expect(c.decrypt(ct)).toBe(plain);
    }
  });

  it('names the key by the first 8 hex characters of its sha256', () => {
    const c = new TokenCipher(KEY_A);
    expect(c.keyId).toBe(keyIdOf(KEY_A));
    expect(c.keyId).toBe('72cd6e84'); // sha256 of 32 bytes of 0x01
    expect(c.encrypt('t').split('.')[1]).toBe(c.keyId);
  });

  it('uses a fresh IV each time: equal plaintexts give different ciphertexts', () => {
    const c = new TokenCipher(KEY_A);
    expect(c.encrypt('same')).not.toBe(c.encrypt('same'));
  });

  it('decrypts values of a previous key after a rotation and says they need re-encrypting', () => {
    const old = new TokenCipher(KEY_A);
    const ct = old.encrypt('refresh-token');
    const rotated = new TokenCipher(KEY_B, [KEY_A]);
    expect(rotated.decrypt(ct)).toBe('refresh-token');
    expect(rotated.needsReencrypt(ct)).toBe(true);
    const fresh = rotated.encrypt('refresh-token');
    expect(rotated.needsReencrypt(fresh)).toBe(false);
    expect(fresh.split('.')[1]).toBe(keyIdOf(KEY_B));
    expect(rotated.keyIds).toEqual([keyIdOf(KEY_B), keyIdOf(KEY_A)]);
  });

  it('an unknown key gives a DecryptionError naming the key id, never the plaintext', () => {
    const ct = new TokenCipher(KEY_A).encrypt('secret-refresh-token');
    const other = new TokenCipher(KEY_B);
    const err = catchError(() => other.decrypt(ct));
    expect(err).toBeInstanceOf(DecryptionError);
    expect((err as DecryptionError).keyId).toBe(keyIdOf(KEY_A));
    expect(err.message).toContain(keyIdOf(KEY_A));
    expect(err.message).toContain('CITI_SYNC_PREVIOUS_ENCRYPTION_KEYS');
    expect(err.message).not.toContain('secret');
  });

  it('a tampered value or a swapped header fails authentication with a DecryptionError', () => {
    const c = new TokenCipher(KEY_A);
    const ct = c.encrypt('secret-token');
    const parts = ct.split('.');
    const body = Buffer.from(parts[4]!, 'base64url');
    body[0] = body[0]! ^ 1;
    const tampered = [...parts.slice(0, 4), body.toString('base64url')].join('.');
    const err = catchError(() => c.decrypt(tampered));
    expect(err).toBeInstanceOf(DecryptionError);
    expect(err.message).toMatch(/failed authentication/);
    expect(err.message).not.toContain('secret');
    // Same key under a second id: the id is authenticated data, so the header cannot be changed.
    const tag = Buffer.from(parts[3]!, 'base64url');
    tag[0] = tag[0]! ^ 1;
    expect(() => c.decrypt([...parts.slice(0, 3), tag.toString('base64url'), parts[4]].join('.'))).toThrow(DecryptionError);
  });

  it('rejects values that are not v1 ciphertexts with a DecryptionError', () => {
    const c = new TokenCipher(KEY_A);
    for (const bad of ['', 'plain-token', 'v2.72cd6e84.a.b.c', `v1.${c.keyId}.short.tag.body`, 'v1.ZZZZ.a.b.c']) {
      expect(() => c.decrypt(bad)).toThrow(DecryptionError);
    }
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new TokenCipher(Buffer.alloc(16))).toThrow(EncryptionKeyError);
    expect(() => new TokenCipher(KEY_A, [Buffer.alloc(31)])).toThrow(/32 bytes, got 31/);
  });
});

describe('parseEncryptionKey', () => {
  const key = randomBytes(32);

  it('accepts 64 hex characters, either case, with surrounding whitespace', () => {
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(`  ${key.toString('hex').toUpperCase()}\n`)).toEqual(key);
  });

  it('accepts base64 and base64url of 32 bytes, padded or not', () => {
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64').replace(/=+$/, ''))).toEqual(key);
  });

  it('names the problem without echoing the key', () => {
    const short = randomBytes(16).toString('hex');
    expect(() => parseEncryptionKey(short)).toThrow(/32 hex characters; it must have 64/);
    expect(() => parseEncryptionKey(randomBytes(24).toString('base64'))).toThrow(/decodes to 24 bytes/);
    expect(() => parseEncryptionKey('')).toThrow(/empty/);
    const err = catchError(() => parseEncryptionKey('not a key!'));
    expect(err).toBeInstanceOf(EncryptionKeyError);
    expect(err.message).not.toContain('not a key');
  });

  it('parses a comma- or space-separated list of previous keys, naming the bad one', () => {
    const k2 = randomBytes(32);
    expect(parseEncryptionKeyList(`${key.toString('hex')}, ${k2.toString('base64')}`)).toEqual([key, k2]);
    expect(parseEncryptionKeyList(undefined)).toEqual([]);
    expect(() => parseEncryptionKeyList(`${key.toString('hex')} abc`)).toThrow(/key 2 of the list/);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
