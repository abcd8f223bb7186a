/**
 * The webhook's transport, decided at start-up: the signature stops forgery, not reading, so an event
 * (connection ids, failure reasons) goes over plain http only to loopback or with the operator's
 * explicit CITI_SYNC_WEBHOOK_ALLOW_HTTP. Pure config: no receiver is contacted.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger, silentLogger } from '../../src/log/logger.ts';
import { notifierFrom } from '../../src/notify/index.ts';

const config = (env: Record<string, string>) => loadConfig({ dotenvPath: null, env: { CITI_SYNC_WEBHOOK_SECRET: 'whsec-0123456789', ...env } });

function problem(fn: () => unknown): ConfigError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

describe('CITI_SYNC_WEBHOOK_URL transport', () => {
  it.each([
    'https://hooks.example.com/citi',
    'http://127.0.0.1:9999/hook',
    'http://127.8.9.10/hook',
    'http://localhost:9999/hook',
    'http://[::1]:9999/hook',
  ])('accepts %s', (url) => {
    expect(notifierFrom(config({ CITI_SYNC_WEBHOOK_URL: url }), silentLogger())).toBeDefined();
  });

  it.each([
    'http://hooks.example.com/citi',
    'http://10.0.0.5:8080/hook',
    'http://receiver:8080/hook', // a compose service name is another machine as far as the wire is concerned
    'http://127.evil.example/hook', // resolved by DNS: may point anywhere
    'http://0.0.0.0:8080/hook',
  ])('refuses plain http to %s, naming the key and the way out, without the path', (url) => {
    const err = problem(() => notifierFrom(config({ CITI_SYNC_WEBHOOK_URL: url }), silentLogger()));
    expect(err?.key).toBe('CITI_SYNC_WEBHOOK_URL');
    expect(err?.message).toMatch(/^invalid configuration: CITI_SYNC_WEBHOOK_URL: must use https:\/\/ .*CITI_SYNC_WEBHOOK_ALLOW_HTTP=1/);
    expect(err?.message).toContain(new URL(url).origin);
    expect(err?.message).not.toContain(new URL(url).origin + new URL(url).pathname);
  });

  it('a path token or credentials in the URL are not echoed', () => {
    const err = problem(() => notifierFrom(config({ CITI_SYNC_WEBHOOK_URL: 'http://u:Pa55w0rd@hooks.example.com/services/T0KEN123SECRET?key=abc' }), silentLogger()));
    expect(err?.message).not.toMatch(/Pa55w0rd|T0KEN123SECRET|abc/);
  });

  it.each(['1', 'true', 'YES'])('CITI_SYNC_WEBHOOK_ALLOW_HTTP=%s allows it, with a warning at start-up', (allow) => {
    const out = new PassThrough();
    let logged = '';
    out.on('data', (c: Buffer) => (logged += c.toString()));
    const logger = createLogger({ level: 'warn', destination: out });
    expect(notifierFrom(config({ CITI_SYNC_WEBHOOK_URL: 'http://receiver:8080/hook/T0KEN', CITI_SYNC_WEBHOOK_ALLOW_HTTP: allow }), logger)).toBeDefined();
    expect(logged).toContain('plain http');
    expect(logged).toContain('http://receiver:8080');
    expect(logged).not.toContain('T0KEN');
  });

  it.each(['0', 'false', 'no'])('CITI_SYNC_WEBHOOK_ALLOW_HTTP=%s does not', (allow) => {
    const err = problem(() => notifierFrom(config({ CITI_SYNC_WEBHOOK_URL: 'http://receiver:8080/hook', CITI_SYNC_WEBHOOK_ALLOW_HTTP: allow }), silentLogger()));
    expect(err?.key).toBe('CITI_SYNC_WEBHOOK_URL');
  });

  it('CITI_SYNC_WEBHOOK_ALLOW_HTTP must be a yes or a no', () => {
    const err = problem(() => config({ CITI_SYNC_WEBHOOK_ALLOW_HTTP: 'please' }));
    expect(err?.message).toBe('invalid configuration: CITI_SYNC_WEBHOOK_ALLOW_HTTP: must be 1 or 0 (also true/false, yes/no) (got "please")');
    expect(config({}).CITI_SYNC_WEBHOOK_ALLOW_HTTP).toBe(false);
  });
});
