import { openDatabase } from '../../src/db/database.ts';
const db = await openDatabase({ url: 'postgres://postgres@127.0.0.1:5432/test' });
const { rows } = await db.query<{ j: Record<string, unknown> }>(`SELECT '{"__proto__":{"polluted":true},"a":1}'::jsonb AS j`);
console.log(Object.keys(rows[0]!.j), Object.getPrototypeOf(rows[0]!.j));
await db.close();
