import { defineConfig } from 'vitest/config'

// defineConfig rather than defineProject: `test.coverage` is a root-only option, which defineProject's
// type leaves out. The root config's projects list still picks this file up as the `core` project (it
// ignores the coverage block there); `pnpm coverage` in this folder runs it as a root config.
export default defineConfig({
  test: {
    name: 'core',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    coverage: {
      provider: 'v8',
      reporter: ['text-summary'],
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/**/*.test-support.ts'],
    },
  },
})
