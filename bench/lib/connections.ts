/** Registers simulator users as citi-sync connections, as `citi-sync connection add` would. */
import { randomBytes } from 'node:crypto';
import { TokenCipher } from '../../src/auth/crypto.ts';
import { addConnection } from '../../src/auth/consent.ts';
import type { Database } from '../../src/db/database.ts';
import type { SandboxProcess } from './sandbox.ts';

export interface Connected {
  encryptionKey: string;
  connectionIds: string[];
  /** connection id -> simulator user id */
  users: Map<string, string>;
}

/** One connection per simulator user (the first `count` users; all by default), customers of `country`. */
export async function connectUsers(db: Database, sandbox: SandboxProcess, count = sandbox.users.length, country = 'US'): Promise<Connected> {
  const key = randomBytes(32);
  const cipher = new TokenCipher(key);
  const connectionIds: string[] = [];
  const users = new Map<string, string>();
  for (const [i, u] of sandbox.users.slice(0, count).entries()) {
    const id = `bench-${i}`;
    const t = await sandbox.issueTokens(u.userId);
    await addConnection(db, cipher, { id, refreshToken: t.refresh_token, country });
    connectionIds.push(id);
    users.set(id, u.userId);
  }
  return { encryptionKey: key.toString('hex'), connectionIds, users };
}
