import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { lines, runCli } from './support/cli.ts';
import { makePki, startMtlsProxy } from './support/tls.ts';
import { relWorld } from './support/world.ts';

describe('transport: two-way TLS', () => {
  it('a sync through a server that demands a client certificate succeeds with CITI_TLS_CERT/KEY/CA and fails without', async () => {
    const pki = makePki();
    const w = await relWorld({ db: await createTestDatabase(), sandbox: { profile: { users: 1, accountsPerUser: 2, transactionsPerAccount: 40 } } });
    const proxy = await startMtlsProxy(pki, w.sandbox.url);
    try {
      const userId = await w.connect('c1');
      const before = await w.db.query<{ j: string }>(`SELECT row_to_json(c)::text AS j FROM citi_sync.connections c`);

      // Without a client certificate (the CA is trusted, so only the client side is missing). Under
      // TLS 1.3 the server's refusal arrives after the handshake and undici reports it as "other side
      // closed": the message says how to configure two-way TLS (RELIABILITY L), and the refresh is
      // not retried, since the client cannot tell whether it reached Citi (RELIABILITY K).
      const without = await runCli(
        ['sync', '--connection', 'c1'],
        w.env({ CITI_API_BASE_URL: proxy.baseUrl, CITI_TLS_CA: pki.caPath }),
      );
      expect(without.code).toBe(1);
      const failure = lines(without.stderr).find((l) => l.startsWith('failed:'));
      console.log(failure);
      expect(failure).toMatch(/^failed: c1: RefreshOutcomeUnknownError: request failed \(UND_ERR_SOCKET\) on \/authCode\/oauth2\/refresh; if Citi requires two-way TLS, set CITI_TLS_CERT and CITI_TLS_KEY: .*the grant may be lost/);
      // Refused for the missing client certificate, not because the server went untrusted.
      expect(failure).not.toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
      expect(proxy.forwarded).toBe(0);
      expect(proxy.refused).toBeGreaterThan(0);
      // A transport failure is not the user's doing: the connection stays active with its tokens (not
      // needs_reauth); only its reason notes the refresh that lost its answer, for `status`.
      const after = await w.db.query<{ j: string }>(`SELECT row_to_json(c)::text AS j FROM citi_sync.connections c`);
      const keep = (j: string) => {
        const { status_reason: _r, updated_at: _u, ...rest } = JSON.parse(j) as Record<string, unknown>;
        return rest;
      };
      expect(after.rows.map((r) => keep(r.j))).toEqual(before.rows.map((r) => keep(r.j)));
      expect(after.rows.map((r) => (JSON.parse(r.j) as { status: string; status_reason: string }).status)).toEqual(['active']);
      expect((JSON.parse(after.rows[0]!.j) as { status_reason: string }).status_reason).toMatch(/the grant may be lost/);

      const withCert = await runCli(
        ['sync', '--connection', 'c1'],
        w.env({ CITI_API_BASE_URL: proxy.baseUrl, CITI_TLS_CERT: pki.clientCertPath, CITI_TLS_KEY: pki.clientKeyPath, CITI_TLS_CA: pki.caPath }),
      );
      expect(withCert.code, withCert.stderr).toBe(0);
      expect(proxy.forwarded).toBeGreaterThan(3);
      const e = await w.exact('c1', userId);
      expect([e.missing.length, e.extra.length, e.stale.length, e.openWindows]).toEqual([0, 0, 0, 0]);
    } finally {
      await proxy.close();
      await w.close();
      pki.remove();
    }
  });
});

describe('access: the read-only role', () => {
  it('migrate creates citi_sync_reader: it reads analytics.transactions, not citi_sync.connections', async () => {
    const t = await createTestDatabase({ migrated: false });
    try {
      const r = await runCli(['migrate'], { DATABASE_URL: t.url });
      expect(r.code, r.stderr).toBe(0);
      const c = new pg.Client({ connectionString: t.url });
      await c.connect();
      try {
        await c.query(`INSERT INTO citi_sync.connections (id) VALUES ('c1')`);
        await c.query('SET ROLE citi_sync_reader');
        await expect(c.query('SELECT count(*) FROM analytics.transactions')).resolves.toBeDefined();
        await expect(c.query('SELECT count(*) FROM analytics.sync_runs')).resolves.toBeDefined();
        await expect(c.query('SELECT refresh_token_enc FROM citi_sync.connections')).rejects.toMatchObject({ code: '42501' });
        await expect(c.query('SELECT * FROM citi_sync.transactions')).rejects.toMatchObject({ code: '42501' });
        // Read-only: no writes anywhere.
        await expect(c.query(`CREATE TABLE analytics.x (a int)`)).rejects.toMatchObject({ code: '42501' });
        await expect(c.query(`DELETE FROM analytics.transactions`)).rejects.toMatchObject({ code: expect.stringMatching(/42501|55000|0A000/) });
        await c.query('RESET ROLE');
        const { rows } = await c.query<{ rolcanlogin: boolean }>(`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'citi_sync_reader'`);
        expect(rows[0]?.rolcanlogin).toBe(false);
      } finally {
        await c.end();
      }
    } finally {
      await t.drop();
    }
  });
});

describe('SQL is parameterised', () => {
  const SRC = fileURLToPath(new URL('../../src', import.meta.url));
  /**
   * Interpolations allowed inside SQL text: each is built from constants in the same file (column
   * lists, schema names), never from data. A new `${…}` in SQL fails this test: pass the value as a
   * $n parameter instead, or, if it truly is an internal constant, add it here with its reason.
   */
  const ALLOWED: Record<string, string[]> = {
    // onConflict: one of two constant clauses chosen by a boolean option.
    'db/connections.ts': ['SUMMARY_COLUMNS', "opts.forUpdate ? ' FOR UPDATE' : ''", 'onConflict'],
    'db/migrate.ts': ['MIGRATIONS_SCHEMA', 'MIGRATIONS_TABLE'],
    // changed: the row comparison of the constant updatable columns.
    'sync/sql/accounts.ts': ["cols.join(', ')", "cols.map((c) => `r.${c}`).join(', ')", 'def', "updatable.map((c) => `${c} = excluded.${c}`).join(', ')", "updatable.map((c) => `a.${c}`).join(', ')", "updatable.map((c) => `excluded.${c}`).join(', ')", 'changed', 'BALANCE_LIST', 'BALANCE_NEW', 'BALANCE_DEF', 'BALANCE_STORED', 'BALANCE_LAST'],
    // SQL fragments built once from the file's constant column list.
    'sync/sql/holdings.ts': ['FRESH_COLS', 'STORED_COLS', 'COL_LIST', 'DEF'],
    // Column lists of the write stage (STAGE_COLUMNS in sync/copyRows.ts), composed into the stage's
    // DDL, its COPY and the merge.
    'sync/sql/transactions.ts': [
      'recordDef',
      "names.join(', ')",
      "names.map((n) => `s.${n}`).join(', ')",
      "changed.map((n) => `${n} = excluded.${n}`).join(',\\n    ')",
      "changed.map((n) => `t.${n}`).join(', ')",
      "changed.map((n) => `excluded.${n}`).join(', ')",
      // The fallback without COPY: each constant column read from its place in a JSON array, cast to its constant type.
      "STAGE_COLUMNS.map(([, t], i) => `(r->>${i})::${t}`).join(', ')",
    ],
  };
  const SQL = /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WITH|CREATE|ALTER|DROP|GRANT|TRUNCATE)\b/;

  it('no SQL text interpolates anything but allow-listed internal constants; no SQL is concatenated', () => {
    const found: string[] = [];
    let sqlTemplates = 0;
    for (const file of walk(SRC)) {
      const rel = relative(SRC, file);
      if (rel.startsWith('sandbox/')) continue; // the simulator speaks HTTP, not SQL
      const text = readFileSync(file, 'utf8');
      for (const t of templates(stripComments(text))) {
        if (!SQL.test(t.staticText)) continue;
        sqlTemplates++;
        for (const expr of t.exprs) {
          if (!(ALLOWED[rel] ?? []).includes(expr.trim())) found.push(`${rel}: \${${expr}}`);
        }
      }
      // `query('… ' + x)` or `query(sql + x)`: concatenation into a query call.
      for (const m of text.matchAll(/\.query(?:<[^>]*>)?\(\s*(['"`][^'"`]*['"`]|\w+)\s*\+/g)) found.push(`${rel}: concatenation ${m[0]}`);
    }
    expect(found).toEqual([]);
    console.log(`${sqlTemplates} SQL templates checked`);
    expect(sqlTemplates).toBeGreaterThan(20);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Removes // and /* comments outside strings (good enough for this codebase's style). */
function stripComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1;
      if (i === 0) break;
    } else if (c === "'" || c === '"') {
      const end = skipQuoted(src, i);
      out += src.slice(i, end);
      i = end - 1;
    } else if (c === '`') {
      const end = skipTemplate(src, i);
      out += src.slice(i, end);
      i = end - 1;
    } else out += c;
  }
  return out;
}

function skipQuoted(src: string, start: number): number {
  const q = src[start];
  let i = start + 1;
  while (i < src.length && src[i] !== q && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Index just past the template literal starting at `start` (nested templates in ${} included). */
function skipTemplate(src: string, start: number): number {
  return parseTemplate(src, start).end;
}

function parseTemplate(src: string, start: number): { end: number; staticText: string; exprs: string[] } {
  let i = start + 1;
  let staticText = '';
  const exprs: string[] = [];
  while (i < src.length && src[i] !== '`') {
    if (src[i] === '\\') {
      staticText += src.slice(i, i + 2);
      i += 2;
    } else if (src[i] === '$' && src[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      while (j < src.length && depth > 0) {
        const c = src[j]!;
        if (c === '`') j = skipTemplate(src, j);
        else if (c === "'" || c === '"') j = skipQuoted(src, j);
        else {
          if (c === '{') depth++;
          if (c === '}') depth--;
          j++;
        }
      }
      exprs.push(src.slice(i + 2, j - 1));
      staticText += ' ';
      i = j;
    } else staticText += src[i++];
  }
  return { end: i + 1, staticText, exprs };
}

/** Every outermost template literal of a (comment-free) source. */
function templates(src: string): Array<{ staticText: string; exprs: string[] }> {
  const out: Array<{ staticText: string; exprs: string[] }> = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "'" || c === '"') i = skipQuoted(src, i) - 1;
    else if (c === '`') {
      const t = parseTemplate(src, i);
      out.push(t);
      i = t.end - 1;
    }
  }
  return out;
}
