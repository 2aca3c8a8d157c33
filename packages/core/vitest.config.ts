import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// defineConfig rather than defineProject: `test.coverage` is a root-only option, which defineProject's
// type leaves out. The root config's projects list still picks this file up as the `core` project (it
// ignores the coverage block there); `pnpm coverage` in this folder runs it as a root config.
export default defineConfig({
  resolve: {
    // Sources under test import `#runtime/*` and `#platform/*`; package.json maps them to dist/, which would
    // load a second copy of core beside the sources. Point them at the Node sources (the web ones have tests
    // of their own).
    alias: [
      {
        find: /^#(runtime|platform)\/(.*)$/,
        replacement: fileURLToPath(new URL('./src/$1/node/$2.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: 'core',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real keys and real HTTP on a shared 2-core machine: leave room beyond vitest's 5 s default.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      reporter: ['text-summary'],
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/**/*.test-support.ts'],
    },
  },
})
