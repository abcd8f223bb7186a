import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { MAX_SETTING_FILE_BYTES } from '../../src/config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'citi-sync-secrets-'));
function secretFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('KEY_FILE settings', () => {
  it('reads a setting from the file named by KEY_FILE, without its trailing newline', () => {
    const key = 'ab'.repeat(32);
    const cfg = loadConfig({
      dotenvPath: null,
      env: {
        CITI_SYNC_ENCRYPTION_KEY_FILE: secretFile('key', `${key}\n`),
        CITI_CLIENT_SECRET_FILE: secretFile('client', 's3cret\r\n'),
        DATABASE_URL_FILE: secretFile('db', 'postgres://u:p@db:5432/x\n'),
        CITI_SYNC_WEBHOOK_SECRET_FILE: secretFile('hook', 'whsec'),
      },
    });
    expect(cfg.CITI_SYNC_ENCRYPTION_KEY).toBe(key);
    expect(cfg.CITI_CLIENT_SECRET).toBe('s3cret');
    expect(cfg.DATABASE_URL).toBe('postgres://u:p@db:5432/x');
    expect(cfg.CITI_SYNC_WEBHOOK_SECRET).toBe('whsec');
  });

  it('refuses KEY and KEY_FILE both set, naming the key', () => {
    const env = { CITI_CLIENT_SECRET: 'a', CITI_CLIENT_SECRET_FILE: secretFile('both', 'b') };
    expect(() => loadConfig({ dotenvPath: null, env })).toThrow(new ConfigError('CITI_CLIENT_SECRET', 'set CITI_CLIENT_SECRET or CITI_CLIENT_SECRET_FILE, not both'));
  });

  it('names the _FILE key when the file cannot be read, and never prints its content', () => {
    const env = { CITI_SYNC_ENCRYPTION_KEY_FILE: join(dir, 'missing') };
    expect(() => loadConfig({ dotenvPath: null, env })).toThrow(
      new ConfigError('CITI_SYNC_ENCRYPTION_KEY_FILE', `cannot read file ${join(dir, 'missing')} (ENOENT)`),
    );
  });

  it('reads only a regular file of bounded size: /dev/zero, a FIFO and a huge file fail at once, naming the key', () => {
    // /dev/zero was read until memory ran out; a FIFO blocked start-up forever.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const huge = secretFile('huge', 'x'.repeat(MAX_SETTING_FILE_BYTES + 1));
    for (const [path, why] of [['/dev/zero', 'not a regular file'], [fifo, 'not a regular file'], [dir, 'EISDIR']] as const) {
      expect(() => loadConfig({ dotenvPath: null, env: { CITI_CLIENT_SECRET_FILE: path } })).toThrow(new ConfigError('CITI_CLIENT_SECRET_FILE', `cannot read file ${path} (${why})`));
    }
    expect(() => loadConfig({ dotenvPath: null, env: { CITI_CLIENT_SECRET_FILE: huge } })).toThrow(
      new ConfigError('CITI_CLIENT_SECRET_FILE', `file ${huge} is larger than ${MAX_SETTING_FILE_BYTES} bytes`),
    );
    expect(() => loadConfig({ dotenvPath: null, env: { CITI_TLS_CA: '/dev/zero' } })).toThrow(new ConfigError('CITI_TLS_CA', 'cannot read file /dev/zero (not a regular file)'));
  });

  it('an empty file is an unset setting; a flag still wins over a file', () => {
    const cfg = loadConfig({ dotenvPath: null, env: { CITI_SYNC_WEBHOOK_SECRET_FILE: secretFile('empty', '\n'), REDIS_URL_FILE: secretFile('redis', 'redis://r:6379') }, overrides: { REDIS_URL: 'redis://flag:6379' } });
    expect(cfg.CITI_SYNC_WEBHOOK_SECRET).toBeUndefined();
    expect(cfg.REDIS_URL).toBe('redis://flag:6379');
  });
});
