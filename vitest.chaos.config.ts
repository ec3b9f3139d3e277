import { defineConfig } from 'vitest/config';

// Longer fault and load soaks (`npm run test:chaos`), kept out of the default `npm test` run.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
