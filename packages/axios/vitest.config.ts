import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'axios',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real keys and real HTTP on a shared 2-core machine: leave room beyond vitest's 5 s default.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
