import { fileURLToPath } from 'node:url'

import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

// The suite runs once per supported grpc-js line: the current one (the devDependency) and the oldest the
// peer range allows, installed under the alias grpc-js-1-10 and swapped in for `@grpc/grpc-js` everywhere
// vitest loads it (our source and the test clients alike, so both share one copy, as they must).
const lines: { name: string; version: string; alias: Record<string, string> }[] = [
  { name: 'grpc-js 1.14', version: '1.14', alias: {} },
  {
    name: 'grpc-js 1.10',
    version: '1.10',
    alias: { '@grpc/grpc-js': fileURLToPath(new URL('node_modules/grpc-js-1-10', import.meta.url)) },
  },
]

const projects: TestProjectInlineConfiguration[] = lines.map((line) => ({
  resolve: { alias: line.alias },
  test: {
    name: `grpc (${line.name})`,
    include: ['src/**/*.test.ts'],
    env: { GRPC_JS_LINE: line.version },
    // Real keys, TLS and gRPC on a shared 2-core machine: leave room beyond vitest's 5 s default.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
}))

export default defineConfig({ test: { projects } })
