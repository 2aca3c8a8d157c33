import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'runtimes',
    include: ['src/**/*.test.ts'],
    // Each test starts a runtime (workerd, the edge runtime, Deno, Bun) on a shared 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
