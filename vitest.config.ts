import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The fault suite kills processes and loads the CPU: it runs alone (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'tests/faults/**'],
    setupFiles: ['tests/setup/promise-with-resolvers.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one Redis and one PostgreSQL server; each file uses its own
    // key prefix and database, so files may run in parallel on the 2 cores.
    fileParallelism: true,
    maxWorkers: 2
  }
})
