import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'got',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
