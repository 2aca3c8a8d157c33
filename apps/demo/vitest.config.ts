import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'demo',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Each test runs the demo as a child process (key generation, real HTTP): seconds, not milliseconds.
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
})
