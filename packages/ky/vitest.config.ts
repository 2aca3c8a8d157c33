import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'ky',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
