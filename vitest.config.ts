import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '~': path.resolve(import.meta.dirname) } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // integration tests share one Temporal server and one Postgres; timings assert ordering, so run files one by one
    fileParallelism: false,
    pool: 'forks',
    env: { BREWLINE_WORKER_LOG_LEVEL: 'ERROR' },
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
