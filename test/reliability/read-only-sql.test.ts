import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryRefusedError, readOnlyQuery } from '../../src/db/readOnlyQuery.ts';
import { createPgliteTestDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { lines, runCli } from './support/cli.ts';

/**
 * Issue 10 item 1: `citi-sync sql` as an attacker would use it. Before the fix, on a server
 * database `COMMIT; UPDATE …` and `COMMIT; DROP TABLE …` executed (then "Cannot read properties of
 * undefined", exit 2), `COPY … TO PROGRAM` ran a program, and pg_read_file, lo_import,
 * pg_terminate_backend and LOCK TABLE all ran. Each attack below leaves a trace if it runs; after
 * each, the trace is looked for. The test database's owner is a superuser (the worst case: a
 * plain SET ROLE could be undone from inside the query).
 */
const dir = mkdtempSync(join(tmpdir(), 'citi-sync-sql-'));
const pwned = join(dir, 'pwned');

interface Attack {
  name: string;
  sql: string;
  /** What the refusal says (the driver's message); checked on both backends unless `server`. */
  says: RegExp;
  serverOnly?: boolean;
}

const ATTACKS: Attack[] = [
  { name: 'COMMIT; UPDATE (a second statement)', sql: `COMMIT; UPDATE citi_sync.connections SET status = 'revoked'`, says: /syntax error/ },
  { name: 'COMMIT; DROP TABLE', sql: 'COMMIT; DROP TABLE citi_sync.sync_runs CASCADE', says: /syntax error/ },
  { name: 'COPY … TO PROGRAM', sql: `COPY (SELECT 1) TO PROGRAM 'touch ${pwned}'`, says: /syntax error/ },
  { name: 'closing the wrapper: SELECT 1) q; COPY … TO PROGRAM', sql: `SELECT 1) AS q; COPY (SELECT 1) TO PROGRAM 'touch ${pwned}' --`, says: /syntax error|multi-query|cannot insert multiple commands/ },
  { name: 'pg_read_file', sql: `SELECT pg_read_file('/etc/passwd')`, says: /permission denied for function pg_read_file/ },
  { name: 'lo_import', sql: `SELECT lo_import('/etc/passwd')`, says: /permission denied for function lo_import/ },
  { name: 'LOCK TABLE', sql: 'LOCK TABLE citi_sync.connections IN ACCESS EXCLUSIVE MODE', says: /syntax error/ },
  { name: 'DDL', sql: 'CREATE TABLE analytics.x (a int)', says: /syntax error/ },
  { name: 'DML in a WITH', sql: 'WITH d AS (DELETE FROM citi_sync.connections RETURNING 1) SELECT * FROM d', says: /WITH clause containing a data-modifying statement must be at the top level|permission denied|read-only/ },
  { name: 'reading the encrypted tokens', sql: 'SELECT refresh_token_enc FROM citi_sync.connections', says: /permission denied for (schema citi_sync|table connections)/ },
  { name: 'taking the role back with set_config', sql: `SELECT set_config('role', session_user, true), (SELECT count(*) FROM citi_sync.connections)`, says: /cannot set parameter "role" within security-definer function|permission denied/ },
  { name: 'SET ROLE as the statement', sql: 'SET ROLE postgres', says: /syntax error/ },
  { name: 'a DO block that takes the role back', sql: `DO $$ BEGIN PERFORM set_config('role', session_user, true); EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${pwned}'''; END $$`, says: /syntax error/ },
  { name: 'SQL run by a function (query_to_xml)', sql: `SELECT query_to_xml('SELECT refresh_token_enc FROM citi_sync.connections', true, true, '')`, says: /permission denied/ },
  { name: 'writing through a read-only transaction', sql: `SELECT set_config('transaction_read_only', 'off', true)`, says: /read-write mode|within security-definer|permission denied/ },
  { name: 'pg_terminate_backend of another session', sql: 'SELECT pg_terminate_backend($VICTIM)', says: /must be a superuser to terminate superuser process|permission denied/, serverOnly: true },
];

async function trace(db: TestDatabase['db']): Promise<unknown> {
  const { rows } = await db.query<{ j: string }>(`SELECT row_to_json(c)::text AS j FROM citi_sync.connections c ORDER BY id`);
  const tables = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('citi_sync', 'analytics')`);
  const los = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_largeobject_metadata`);
  return { connections: rows.map((r) => r.j), tables: tables.rows[0]!.n, largeObjects: los.rows[0]!.n, pwned: existsSync(pwned) };
}

for (const backend of ['postgres', 'pglite'] as const) {
  describe(`citi-sync sql is read-only (${backend})`, () => {
    let t: TestDatabase;
    let victim: pg.Client | undefined;
    let victimPid = 0;

    beforeAll(async () => {
      t = backend === 'postgres' ? await createTestDatabase() : await createPgliteTestDatabase();
      await t.db.query(`INSERT INTO citi_sync.connections (id, refresh_token_enc) VALUES ('c1', 'v1:ciphertext')`);
      if (backend === 'postgres') {
        victim = new pg.Client({ connectionString: t.url, application_name: 'citi-sync-victim' });
        await victim.connect();
        victimPid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      }
    });
    afterAll(async () => {
      await victim?.end();
      await t?.drop();
    });

    it('answers a query on the analytics views, values exact and in column order', async () => {
      const r = await readOnlyQuery(t.db, `SELECT 1.10::numeric AS n, 42 AS i, 'x' AS s, NULL AS z, true AS b, '{"a":1}'::jsonb AS j, 12345678901234567890 AS big;`);
      expect(r).toEqual({ columns: ['n', 'i', 's', 'z', 'b', 'j', 'big'], rows: [['1.10', 42, 'x', null, true, { a: 1 }, '12345678901234567890']] });
      const views = await readOnlyQuery(t.db, 'SELECT count(*) AS n FROM analytics.transactions');
      expect(views).toEqual({ columns: ['n'], rows: [[0]] });
      expect(await readOnlyQuery(t.db, 'SELECT current_user AS u')).toEqual({ columns: ['u'], rows: [['citi_sync_reader']] });
    });

    for (const a of ATTACKS) {
      if (a.serverOnly && backend === 'pglite') continue;
      it(`refuses ${a.name}, and nothing of it ran`, async () => {
        const before = await trace(t.db);
        const err = await readOnlyQuery(t.db, a.sql.replace('$VICTIM', String(victimPid))).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(QueryRefusedError);
        expect((err as Error).message).toMatch(a.says);
        expect((err as Error).message).not.toMatch(/Cannot read properties|\n/);
        expect(await trace(t.db)).toEqual(before);
        if (victim) expect((await victim.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      });
    }

    it('the reader role holds none of the dangerous rights', async () => {
      const { rows } = await t.db.query<Record<string, boolean>>(`
        SELECT has_function_privilege('citi_sync_reader', 'pg_read_file(text)', 'EXECUTE') AS read_file,
               has_function_privilege('citi_sync_reader', 'pg_read_binary_file(text)', 'EXECUTE') AS read_binary_file,
               has_function_privilege('citi_sync_reader', 'pg_ls_dir(text)', 'EXECUTE') AS ls_dir,
               has_function_privilege('citi_sync_reader', 'lo_import(text)', 'EXECUTE') AS lo_import,
               has_function_privilege('citi_sync_reader', 'lo_export(oid, text)', 'EXECUTE') AS lo_export,
               has_function_privilege('citi_sync_reader', 'pg_reload_conf()', 'EXECUTE') AS reload_conf,
               pg_has_role('citi_sync_reader', 'pg_read_server_files', 'USAGE') AS read_server_files,
               pg_has_role('citi_sync_reader', 'pg_write_server_files', 'USAGE') AS write_server_files,
               pg_has_role('citi_sync_reader', 'pg_execute_server_program', 'USAGE') AS execute_server_program,
               pg_has_role('citi_sync_reader', 'pg_signal_backend', 'USAGE') AS signal_backend,
               has_schema_privilege('citi_sync_reader', 'citi_sync', 'USAGE') AS citi_sync_usage,
               has_schema_privilege('citi_sync_reader', 'citi_sync', 'CREATE') AS citi_sync_create,
               (SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolcanlogin FROM pg_roles WHERE rolname = 'citi_sync_reader') AS role_attributes`);
      expect(Object.entries(rows[0]!).filter(([, v]) => v !== false)).toEqual([]);
    });

    it('a function turned SECURITY INVOKER (by a member of the reader role) is refused, not run with more rights', async () => {
      await t.db.query('ALTER FUNCTION citi_sync.read_only_query(text) SECURITY INVOKER');
      try {
        await expect(readOnlyQuery(t.db, 'SELECT 1 AS one')).rejects.toThrow(/cannot run queries with only the rights of citi_sync_reader/);
      } finally {
        await t.db.query('ALTER FUNCTION citi_sync.read_only_query(text) SECURITY DEFINER');
      }
      expect(await readOnlyQuery(t.db, 'SELECT 1 AS one')).toEqual({ columns: ['one'], rows: [[1]] });
    });

    if (backend === 'postgres') {
      it('through the CLI: exit 2 with one clear line, nothing ran', async () => {
        const before = await trace(t.db);
        for (const sql of [`COMMIT; UPDATE citi_sync.connections SET status = 'revoked'`, `COPY (SELECT 1) TO PROGRAM 'touch ${pwned}'`, `SELECT pg_read_file('/etc/passwd')`]) {
          const r = await runCli(['sql', sql], { DATABASE_URL: t.url }, 60_000);
          expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
          expect(lines(r.stderr)).toEqual([expect.stringMatching(/^citi-sync: query refused: /)]);
          expect(r.stderr).not.toMatch(/Cannot read properties/);
        }
        expect(await trace(t.db)).toEqual(before);
        const ok = await runCli(['sql', 'SELECT count(*) AS n FROM analytics.accounts', '--json'], { DATABASE_URL: t.url }, 60_000);
        expect({ code: ok.code, out: JSON.parse(ok.stdout) as unknown }).toEqual({ code: 0, out: [{ n: 0 }] });
      }, 240_000);
    }
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));
