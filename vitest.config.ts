import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'collector/test/**/*.test.ts',
      'sdk/test/**/*.test.ts',
      'test/**/*.test.ts',
      'ui/src/**/*.test.{ts,tsx}',
      'model/src/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
