import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

// The suite runs once per end of the peer range: Connect 2.3 (the devDependencies) and Connect 2.0, the
// lowest 2.x and what npm picks on Node 20 once connect-node 2.2+ asks for Node 22. 2.0 is installed under
// the aliases connect-2-0 and connect-node-2-0. pnpm links connect-node-2-0 to the workspace's Connect 2.3
// (peers resolve by name), so vitest inlines @connectrpc/* and maps every `@connectrpc/connect` entry point
// to 2.0's own file: our interceptor, the test clients and connect-node then share that one copy.

/** Exact-match aliases from `name` and each of its subpaths to the ESM files of the package in `folder`. */
function aliasesFor(name: string, folder: string): { find: RegExp; replacement: string }[] {
  const root = new URL(`node_modules/${folder}/`, import.meta.url)
  const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    exports: Record<string, { import: string }>
  }
  return Object.entries(manifest.exports).map(([subpath, target]) => ({
    find: new RegExp(`^${(name + subpath.slice(1)).replaceAll('/', '\\/')}$`),
    replacement: fileURLToPath(new URL(target.import, root)),
  }))
}

const lines: { name: string; alias: { find: RegExp; replacement: string }[] }[] = [
  { name: 'Connect 2.3', alias: [] },
  {
    name: 'Connect 2.0',
    alias: [
      ...aliasesFor('@connectrpc/connect', 'connect-2-0'),
      ...aliasesFor('@connectrpc/connect-node', 'connect-node-2-0'),
    ],
  },
]

const projects: TestProjectInlineConfiguration[] = lines.map((line) => ({
  resolve: { alias: line.alias },
  test: {
    name: `connect (${line.name})`,
    include: ['src/**/*.test.ts'],
    env: { CONNECT_LINE: line.name.split(' ')[1] ?? '' },
    server: { deps: { inline: line.alias.length > 0 ? [/@connectrpc/] : [] } },
    // Real keys, TLS and gRPC on a shared 2-core machine: leave room beyond vitest's 5 s default.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
}))

export default defineConfig({ test: { projects } })
