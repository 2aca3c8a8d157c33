import { defineConfig } from 'vitest/config'

// One project per package; each package's own vitest.config.ts names it.
// `pnpm test` runs them through turbo (cached per package); `pnpm vitest` here runs them all at once.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
})
