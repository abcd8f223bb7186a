import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests each get their own database and queue prefix, so files run in parallel.
    pool: 'forks',
    maxWorkers: 2,
  },
});
