import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'axios',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
