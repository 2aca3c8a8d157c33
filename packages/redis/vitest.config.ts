import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'redis',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The fleet tests fork eight Node.js processes and restart redis-server; on a loaded CI machine that
    // takes seconds, and a test cut off by a timeout would keep running and skew the next one's counts.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
