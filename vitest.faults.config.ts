import { defineConfig } from 'vitest/config'

/**
 * The fault suite (`npm run test:faults`): the hub as real processes, killed, cut off from
 * Redis or PostgreSQL, under load. One file at a time: they kill processes and load both
 * cores, and their catch-up figures mean nothing if two scenarios share the machine.
 */
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.faults.test.ts'],
    setupFiles: ['tests/setup/promise-with-resolvers.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1
  }
})
