import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the portal's alias (svelte.config.js), so tests can import portal/src/lib modules that use it
  resolve: { alias: { $schemas: fileURLToPath(new URL('./schemas', import.meta.url)) } },
  test: {
    include: ['{api,etl,schemas,sql,data-catalog,portal,faults,cluster}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'portal/build/**', 'portal/.svelte-kit/**'],
    // each test file loads its own embedded database from a dump the global setup made (sql/testing.ts)
    testTimeout: 60_000,
    // the first file that needs a database makes the run's templates (sql/test/templates.ts) in its beforeAll
    hookTimeout: 600_000,
    globalSetup: ['portal/test/global-setup.ts', 'sql/test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
