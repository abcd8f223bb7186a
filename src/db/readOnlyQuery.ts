import type { Database } from './database.ts';
import { DatabaseError } from './errors.ts';
import { SqlState } from './sqlstate.ts';

/**
 * Runs a person's query (`citi-sync sql`) so that it can only read what the reader role reads.
 *
 * Guarantees, on server Postgres and PGlite alike:
 * - The text reaches the server as a bound parameter of one statement (extended protocol), and
 *   `citi_sync.read_only_query` (migration 0005) runs it as a subquery: one query that returns rows,
 *   never a second statement, COPY, LOCK, DDL, DML or transaction control.
 * - It runs with the rights of citi_sync_reader (SELECT on schema analytics), inside a SECURITY
 *   DEFINER function where Postgres refuses any change of role, in a READ ONLY transaction.
 * - Anything refused is refused before it ran: nothing of the query has any effect.
 */

/** The query was refused or failed. What to do: change the query. The CLI exits 2. */
export class QueryRefusedError extends Error {
  override readonly name = 'QueryRefusedError';
  constructor(
    message: string,
    readonly sqlstate: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The database cannot run a query with only the reader's rights (no citi_sync_reader role, or the
 * function is not owned by it). What to do: run `citi-sync migrate` as a role that may create roles.
 * Nothing is run with more rights instead.
 */
export class ReadOnlyQueryUnavailableError extends Error {
  override readonly name = 'ReadOnlyQueryUnavailableError';
}

export type ReadOnlyValue = string | number | boolean | null | object;

export interface ReadOnlyResult {
  /** Column names in the query's order (duplicates kept); empty when no row came back. */
  columns: string[];
  /** One array per row, in column order. */
  rows: ReadOnlyValue[][];
}

/** A query text longer than this is a mistake (or a file passed by accident). */
export const MAX_QUERY_CHARS = 100_000;

const READER = 'citi_sync_reader';

/**
 * The function must still be what migration 0005 made: SECURITY DEFINER, owned by the reader, no
 * SET clauses, and the reader no superuser. A member of the reader role owns it too and could turn
 * it into SECURITY INVOKER; the query would then run with the caller's rights, so this is checked
 * in the same transaction, every time.
 */
const GUARD = `
SELECT coalesce((
  SELECT p.prosecdef AND p.proconfig IS NULL AND r.rolname = $1 AND NOT r.rolsuper
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
   WHERE p.oid = pg_catalog.to_regprocedure('citi_sync.read_only_query(text)')), false) AS ok`;

/** Each row comes back as json; its cells are read out in order, with their JSON kind. */
const CELLS = `
SELECT r.n::int AS row_no, e.key, pg_catalog.json_typeof(e.value) AS kind,
       CASE pg_catalog.json_typeof(e.value) WHEN 'string' THEN e.value #>> '{}' ELSE e.value::text END AS text
  FROM citi_sync.read_only_query($1) WITH ORDINALITY AS r(j, n)
  LEFT JOIN LATERAL pg_catalog.json_each(r.j) WITH ORDINALITY AS e(key, value, i) ON true
 ORDER BY r.n, e.i`;

interface Cell {
  row_no: number;
  key: string | null;
  kind: 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array' | null;
  text: string | null;
}

export async function readOnlyQuery(db: Database, query: string): Promise<ReadOnlyResult> {
  // A trailing `;` is habit, not a second statement; inside the subquery it would be a syntax error.
  const text = query.replace(/[\s;]+$/, '');
  if (!text.trim()) throw new QueryRefusedError('the query is empty', undefined);
  if (text.length > MAX_QUERY_CHARS) throw new QueryRefusedError(`the query is longer than ${MAX_QUERY_CHARS} characters`, undefined);
  let cells: Cell[];
  try {
    cells = await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      const { rows: guard } = await tx.query<{ ok: boolean }>(GUARD, [READER]);
      if (!guard[0]?.ok) {
        throw new ReadOnlyQueryUnavailableError(
          `this database cannot run queries with only the rights of ${READER} (citi_sync.read_only_query is missing or not owned by it); ` +
            'run `citi-sync migrate` as a role that may create roles (nothing was run)',
        );
      }
      return (await tx.query<Cell>(CELLS, [text])).rows;
    });
  } catch (err) {
    if (err instanceof ReadOnlyQueryUnavailableError || !(err instanceof DatabaseError)) throw err;
    throw refused(err);
  }
  return assemble(cells);
}

function refused(err: DatabaseError): QueryRefusedError {
  // The driver's own message, without the wrapper's "in: <our SQL>" (the person wrote the query).
  const cause = err.cause instanceof Error ? err.cause.message : err.message;
  const hint =
    err.sqlstate === '42601'
      ? ' (citi-sync sql runs one read-only query: SELECT, WITH … SELECT, VALUES or TABLE)'
      : err.sqlstate === SqlState.insufficient_privilege
        ? ` (citi-sync sql has the rights of ${READER}: it reads the analytics views only)`
        : '';
  return new QueryRefusedError(`${cause}${err.sqlstate ? ` (SQLSTATE ${err.sqlstate})` : ''}${hint}`, err.sqlstate, { cause: err });
}

function assemble(cells: Cell[]): ReadOnlyResult {
  const rows: ReadOnlyValue[][] = [];
  let columns: string[] | undefined;
  let current: { no: number; keys: string[]; values: ReadOnlyValue[] } | undefined;
  const flush = () => {
    if (!current) return;
    columns ??= current.keys;
    rows.push(current.values);
  };
  for (const c of cells) {
    if (current?.no !== c.row_no) {
      flush();
      current = { no: c.row_no, keys: [], values: [] };
    }
    if (c.key === null) continue; // a row without columns (`SELECT FROM …`)
    current.keys.push(c.key);
    current.values.push(valueOf(c));
  }
  flush();
  return { columns: columns ?? [], rows };
}

/**
 * JSON numbers stay exact: a number whose text a JS number would not reproduce (`1.10`, a 20-digit
 * id) is kept as its text, as node-postgres keeps numeric and int8.
 */
function valueOf(c: Cell): ReadOnlyValue {
  const text = c.text ?? 'null';
  switch (c.kind) {
    case 'string':
      return text;
    case 'number': {
      const n = Number(text);
      return String(n) === text ? n : text;
    }
    case 'boolean':
      return text === 'true';
    case 'object':
    case 'array':
      return JSON.parse(text) as object;
    default:
      return null;
  }
}
