// One-off generator for the per-package boilerplate; kept so new packages start the same way.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const packages = [
  {
    dir: 'packages/core',
    name: '@nebius-auth/core',
    short: 'core',
    description:
      'Nebius AI Cloud authentication for Node.js: authorized keys, RS256 assertions, token exchange and an expiry-aware token cache',
    deps: { jose: '^6.1.0', yaml: '^2.8.0' },
    refs: [],
  },
  {
    dir: 'packages/emulator',
    name: '@nebius-auth/emulator',
    short: 'emulator',
    description:
      'A local Nebius IAM token exchange and protected API that verify for real, with fault injection, for tests',
    deps: { jose: '^6.1.0' },
    refs: [],
    bin: { 'nebius-auth-emulator': './dist/bin.js' },
  },
  {
    dir: 'packages/axios',
    name: '@nebius-auth/axios',
    short: 'axios',
    description: 'Nebius AI Cloud authentication for axios',
    deps: { '@nebius-auth/core': 'workspace:^' },
    peers: { axios: '^1.7.0' },
    refs: ['core'],
  },
  {
    dir: 'packages/got',
    name: '@nebius-auth/got',
    short: 'got',
    description: 'Nebius AI Cloud authentication for got',
    deps: { '@nebius-auth/core': 'workspace:^' },
    peers: { got: '>=14.0.0 <17' },
    refs: ['core'],
  },
  {
    dir: 'packages/ky',
    name: '@nebius-auth/ky',
    short: 'ky',
    description: 'Nebius AI Cloud authentication for ky',
    deps: { '@nebius-auth/core': 'workspace:^' },
    peers: { ky: '>=1.2.0 <3' },
    refs: ['core'],
  },
  {
    dir: 'packages/fetch',
    name: '@nebius-auth/fetch',
    short: 'fetch',
    description: 'Nebius AI Cloud authentication for fetch',
    deps: { '@nebius-auth/core': 'workspace:^' },
    refs: ['core'],
  },
]

for (const p of packages) {
  mkdirSync(join(p.dir, 'src'), { recursive: true })
  const pkg = {
    name: p.name,
    version: '0.0.0',
    description: p.description,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    ...(p.bin ? { bin: p.bin } : {}),
    files: ['dist'],
    engines: { node: '>=20.19.0' },
    keywords: ['nebius', 'nebius-ai-cloud', 'iam', 'authentication', 'oauth2', 'token-exchange'],
    scripts: {
      build: 'tsc --build tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      lint: 'eslint .',
      test: 'vitest run --reporter=default --reporter=json --outputFile.json=test-results.json',
      'check:package': 'publint --strict && attw --pack . --profile esm-only',
    },
    dependencies: p.deps,
    ...(p.peers ? { peerDependencies: p.peers } : {}),
    publishConfig: { access: 'public' },
  }
  writeFileSync(join(p.dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
  writeFileSync(
    join(p.dir, 'tsconfig.build.json'),
    JSON.stringify(
      {
        extends: '../../tsconfig.base.json',
        compilerOptions: {
          composite: true,
          rootDir: 'src',
          outDir: 'dist',
          tsBuildInfoFile: 'node_modules/.cache/tsconfig.build.tsbuildinfo',
        },
        include: ['src'],
        exclude: ['src/**/*.test.ts', 'src/**/*.test-support.ts'],
        references: p.refs.map((r) => ({ path: `../${r}/tsconfig.build.json` })),
      },
      null,
      2,
    ) + '\n',
  )
  writeFileSync(
    join(p.dir, 'tsconfig.json'),
    JSON.stringify(
      {
        extends: '../../tsconfig.base.json',
        compilerOptions: { noEmit: true },
        include: ['src', 'test', '*.ts'],
      },
      null,
      2,
    ) + '\n',
  )
  writeFileSync(
    join(p.dir, 'vitest.config.ts'),
    `import { defineProject } from 'vitest/config'\n\nexport default defineProject({\n  test: {\n    name: '${p.short}',\n    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],\n  },\n})\n`,
  )
}
