import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'connect',
    include: ['src/**/*.test.ts'],
    // Real keys, TLS and gRPC on a shared 2-core machine: leave room beyond vitest's 5 s default.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
