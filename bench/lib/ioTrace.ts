/**
 * Wall time the engine spends waiting on Postgres, per statement, and on Citi, per route: the CPU
 * profile cannot show waiting. Times overlap (many windows wait at once), so compare shares, not sums
 * with the wall clock.
 */
import type { RequestEvent } from '../../src/citi/index.ts';
import type { Database, Queryable, QueryResult } from '../../src/db/database.ts';

export interface IoStat {
  what: string;
  count: number;
  ms: number;
}

export class IoTrace {
  private readonly stats = new Map<string, IoStat>();

  add(what: string, ms: number): void {
    const s = this.stats.get(what) ?? { what, count: 0, ms: 0 };
    s.count += 1;
    s.ms += ms;
    this.stats.set(what, s);
  }

  /** The first words of a statement, enough to tell the engine's queries apart. */
  static label(sql: string): string {
    const text = sql.replace(/\s+/g, ' ').trim();
    const m = /^WITH previously_removed AS/.test(text)
      ? 'merge batch (INSERT … SELECT FROM stage ON CONFLICT)'
      : /^COPY pg_temp\.transactions_stage/.test(text)
        ? 'COPY batch into the stage'
        : /^DO \$\$/.test(text)
          ? 'ensure the stage (DO: to_regclass, CREATE TEMP TABLE)'
          : text.slice(0, 70);
    return `sql: ${m}`;
  }

  onRequest = (e: RequestEvent): void => {
    const route = e.path
      .replace(/\?.*$/, '')
      .replace(/\/v1\/accounts\/[^/]+\/statements\/[^/]+$/, '/v1/accounts/:id/statements/:sid')
      .replace(/\/v1\/accounts\/[^/]+\//, '/v1/accounts/:id/');
    this.add(`http: ${route}`, e.ms);
  };

  wrap(db: Database): Database {
    const timed = (q: Queryable): Queryable => ({
      query: async <R>(text: string, params?: unknown[]): Promise<QueryResult<R>> => {
        const t0 = performance.now();
        try {
          return await q.query<R>(text, params);
        } finally {
          this.add(IoTrace.label(text), performance.now() - t0);
        }
      },
    });
    const add = (what: string, ms: number) => this.add(what, ms);
    return {
      kind: db.kind,
      query: timed(db).query,
      applyMigrations: (config, lock) => db.applyMigrations(config, lock),
      async transaction(fn) {
        const t0 = performance.now();
        let inner = 0;
        try {
          return await db.transaction((tx) => {
            const timedTx: Queryable = {
              query: async (text, params) => {
                const q0 = performance.now();
                try {
                  return await tx.query(text, params);
                } finally {
                  const ms = performance.now() - q0;
                  inner += ms;
                  add(IoTrace.label(text), ms);
                }
              },
            };
            if (tx.copyFrom) {
              const copy = tx.copyFrom.bind(tx);
              timedTx.copyFrom = async (sql, data) => {
                const q0 = performance.now();
                try {
                  return await copy(sql, data);
                } finally {
                  const ms = performance.now() - q0;
                  inner += ms;
                  add(IoTrace.label(sql), ms);
                }
              };
            }
            return fn(timedTx);
          });
        } finally {
          // What a transaction costs beyond its statements: a pooled connection, BEGIN, COMMIT (the WAL flush).
          add('db: pool wait + BEGIN + COMMIT', performance.now() - t0 - inner);
        }
      },
      withSession: (fn) => db.withSession((s, lost) => fn(timed(s), lost)),
      close: () => db.close(),
    };
  }

  top(n = 15): IoStat[] {
    return [...this.stats.values()].sort((a, b) => b.ms - a.ms).slice(0, n);
  }
}
