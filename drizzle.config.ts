import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a migration for any change to src/db/schema.ts.
// test/db/schema-drift.test.ts fails when the two disagree.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
});
