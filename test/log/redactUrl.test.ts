import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlsIn } from '../../src/log/redactUrl.ts';

describe('redactUrl: the one URL redactor', () => {
  it.each([
    ['postgres://u:pw@h:5432/db', 'postgres://u:***@h:5432/db'],
    ['postgress://u:pw@h/db', 'postgress://u:***@h/db'],
    ['postgres://u:p@ss@h/db', 'postgres://u:***@h/db'],
    ['redis://:pw@127.0.0.1:6379', 'redis://:***@127.0.0.1:6379'],
    ['https://token123@host/x', 'https://***@host/x'],
    ['postgres://h/db', 'postgres://h/db'],
    ['postgres:u:pw@h/db', '***@h/db'],
    ['not a url', 'not a url'],
    // node-postgres and ioredis take the password from the query too.
    ['postgres://u@h/db?password=hunter2&sslmode=require', 'postgres://***@h/db?password=***&sslmode=require'],
    ['postgres://u@h/db?sslpassword=k3y', 'postgres://***@h/db?sslpassword=***'],
    ['redis://127.0.0.1:6390/?PASSWORD=hunter2', 'redis://127.0.0.1:6390/?PASSWORD=***'],
    ['postgres://u:pw@h/db?application_name=x', 'postgres://u:***@h/db?application_name=x'],
  ])('%s → %s', (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });

  it('masks every URL inside a text and leaves the rest', () => {
    expect(redactUrlsIn('a postgres://u:x@h/db and redis://:y@r:1 (user@example.com)')).toBe('a postgres://u:***@h/db and redis://:***@r:1 (user@example.com)');
  });
});
