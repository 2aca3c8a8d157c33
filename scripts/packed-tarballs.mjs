// Checks on the packed tarballs, as npm would publish them. First their contents: a LICENSE, the package.json
// links (repository, homepage, bugs), every relative link in the README pointing at a file inside the
// tarball, and no source maps (they would point at sources the tarball does not ship). Then the install a
// user makes: every tarball and every peer, with plain `npm install` (npm's own peer resolution) on Node 20
// and on Node 24, each followed by a smoke that loads every package on that Node. Then the TypeScript
// consumer matrix: core and the adapters installed into one scratch project with the clients from the npm
// registry, type-checked by `tsc` as a user's code under every module setting users meet: nodenext as
// CommonJS (a fresh `npm init -y` project) and as ESM, bundler, and node10. One pack serves every check;
// the three installs run at once (they wait on the network more than on the CPU) and share npm's cache.
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, delimiter, dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'

import { nodeBinary } from './node-binary.mjs'

const root = resolve(import.meta.dirname, '..')
const packages = ['core', 'axios', 'got', 'ky', 'fetch', 'grpc', 'connect', 'emulator', 'redis']
// What the consumer project installs: core and the HTTP adapters.
const installed = new Set(['core', 'axios', 'got', 'ky', 'fetch'])

/** The problems of one tarball's contents, as sentences; none is the goal. */
function contentProblems(tarball) {
  const entries = new Set(
    execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter((entry) => entry !== '')
      .map((entry) => entry.replace(/^package\//, '')),
  )
  const read = (entry) => execFileSync('tar', ['-xzOf', tarball, `package/${entry}`], { encoding: 'utf8' })
  const problems = []
  if (!entries.has('LICENSE')) problems.push('no LICENSE')
  // Maps point at ../src, which is not shipped: the build emits none for the tarballs.
  const maps = [...entries].filter((entry) => entry.endsWith('.map'))
  if (maps.length > 0) problems.push(`${maps.length} source maps (${maps[0]}, …)`)
  else if (read('LICENSE') !== readFileSync(join(root, 'LICENSE'), 'utf8'))
    problems.push('LICENSE differs from the root one')
  const manifest = JSON.parse(read('package.json'))
  for (const field of ['repository', 'homepage', 'bugs'])
    if (manifest[field] === undefined) problems.push(`no ${field}`)
  // Every entry point the manifest names is in the tarball (a pack of a half-built tree fails here, not in tsc).
  const targets = (value) =>
    typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap((inner) => targets(inner))
  for (const target of new Set([...targets(manifest.exports), manifest.main, manifest.types]))
    if (target !== undefined && !target.includes('*') && !entries.has(target.replace(/^\.\//, '')))
      problems.push(`no ${target}, which package.json names`)
  // A bin must be a committed file: `pnpm install` links bins before any build, and warns for each one missing.
  for (const bin of Object.values(manifest.bin ?? {})) {
    const path = join('packages', manifest.name.split('/')[1], bin)
    if (execFileSync('git', ['ls-files', path], { cwd: root, encoding: 'utf8' }).trim() === '')
      problems.push(`bin ${bin} is not a committed file, so a fresh clone has nothing to link`)
  }
  // Relative Markdown links, minus anchors: each must name a file the tarball ships.
  for (const [, target] of read('README.md').matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z+.-]*:|^#/i.test(target)) continue
    const file = target.split('#')[0].replace(/^\.\//, '')
    if (!entries.has(file)) problems.push(`README links to ${target}, which is not in the tarball`)
  }
  return problems
}

const run = promisify(execFile)

// npm's cache serves every package it holds without asking the registry again (`--prefer-offline`): the
// three installs share it, and on CI's fresh machine it starts empty, so what it holds is today's registry.
const npmInstall = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']

// What a user installs beside our tarballs, with the command the READMEs show: every peer of every package,
// unversioned (npm picks what it picks on that Node), except the Redis clients, whose README names the
// majors the store supports.
const userPeers = [
  'axios',
  'got',
  'ky',
  '@grpc/grpc-js',
  '@connectrpc/connect',
  '@connectrpc/connect-node',
  '@bufbuild/protobuf',
  'redis@5',
  'ioredis@5',
]

// Loads every package with import() and core with require() (the READMEs promise require of ESM on Node
// >= 20.19), then says which Connect npm chose, the version that differs between Node 20 and 24. The
// emulator's command then prints its usage.
const smoke = `const names = ${JSON.stringify(packages.map((folder) => `@nebius-auth/${folder}`))}
Promise.all(names.map((name) => import(name))).then((entries) => {
  const empty = names.filter((name, index) => Object.keys(entries[index]).length === 0)
  if (empty.length > 0) throw new Error('no exports: ' + empty.join(', '))
  if (typeof require('@nebius-auth/core').staticToken !== 'function') throw new Error('require() failed')
  const version = (name) => JSON.parse(require('node:fs').readFileSync('node_modules/' + name + '/package.json', 'utf8')).version
  console.log('connect ' + version('@connectrpc/connect') + ', connect-node ' + version('@connectrpc/connect-node'))
})`

/** `npm install` of every tarball and peer into a fresh project on Node `line`, then the smoke on that Node. */
async function userInstall(line, scratch, tarballs) {
  const name = `npm install on Node ${line}, every package and peer, then import each`
  const started = Date.now()
  try {
    const node = nodeBinary(line)
    const project = join(scratch, `npm-on-node-${line}`)
    mkdirSync(project)
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'user', version: '1.0.0', private: true }),
    )
    // npm's script starts with `#!/usr/bin/env node`: that Node first on PATH runs npm, and installs, on it.
    const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}` }
    await run('npm', [...npmInstall, ...tarballs, ...userPeers], {
      cwd: project,
      env,
    })
    const { stdout } = await run(node, ['-e', smoke], { cwd: project, env })
    await run(join(project, 'node_modules', '.bin', 'nebius-auth-emulator'), ['--help'], {
      cwd: project,
      env,
    })
    return { name, ok: true, detail: `${stdout.trim()}; ${Math.round((Date.now() - started) / 1000)} s` }
  } catch (error) {
    return { name, ok: false, detail: `${error.stderr ?? ''}`.trim() || error.message }
  }
}

/** The client versions CI tests, read from the adapters' devDependencies so the two cannot drift apart. */
function devVersion(folder, name) {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8'))
  return manifest.devDependencies[name]
}

// The user's program: every adapter entry point, called the way the READMEs show.
const app = `import axios from 'axios'
import got from 'got'
import ky from 'ky'
import { defaultProvider, findNebiusAuthError, staticToken, type TokenProvider } from '@nebius-auth/core'
import { cachedProvider, type ServiceAccountOptions } from '@nebius-auth/core/advanced'
import { withNebiusAuth as withAxios } from '@nebius-auth/axios'
import { nebiusAuthHooks as gotHooks, withNebiusAuth as withGot } from '@nebius-auth/got'
import { nebiusAuthHooks as kyHooks, withNebiusAuth as withKy } from '@nebius-auth/ky'
import { withNebiusAuth as withFetch } from '@nebius-auth/fetch'

const provider: TokenProvider = staticToken('v1.a.b')
const api = withAxios(axios.create({ baseURL: 'https://example.nebius.cloud' }), { provider })
const sameApi: typeof api = withAxios(api)
const gotApi = withGot(got.extend({ prefixUrl: 'https://example.nebius.cloud' }), { provider })
const gotWithHooks = got.extend({ hooks: gotHooks({ provider }) })
const kyApi = withKy(ky.create({ prefixUrl: 'https://example.nebius.cloud' }), { provider })
const kyWithHooks = ky.create({ hooks: kyHooks({ provider }) })
const nebiusFetch: typeof fetch = withFetch(fetch, { provider, origins: ['https://*.nebius.cloud'] })
const code: string | undefined = findNebiusAuthError(new Error('x'))?.code
defaultProvider().close()
const options: ServiceAccountOptions = { credentialsFile: 'credentials.json' }
const raw = cachedProvider(async () => ({ token: 'v1.a.b', expiresAt: Date.now() + 60_000 }))
raw.close()
export { options }
export { api, sameApi, kyApi, kyWithHooks, nebiusFetch, code }
export { gotApi, gotWithHooks }
`

/** The app without the lines that use got (for node10, where got's own types cannot be found). */
const withoutGot = app
  .split('\n')
  .filter((line) => !/got/i.test(line))
  .join('\n')

// Each setting: its compiler options and the file name that gives the module format under it.
const settings = [
  {
    name: 'nodenext, CommonJS (package without "type")',
    file: 'app.cts',
    options: { module: 'nodenext', moduleResolution: 'nodenext' },
  },
  { name: 'nodenext, ESM', file: 'app.mts', options: { module: 'nodenext', moduleResolution: 'nodenext' } },
  { name: 'bundler', file: 'app.ts', options: { module: 'esnext', moduleResolution: 'bundler' } },
  // got publishes its types only through package.json `exports`, which node10 resolution does not read, so
  // got cannot be used under node10 at all (its own import fails). Core's declarations resolve there: its
  // `advanced` and `adapter` subpaths through `typesVersions`, and no `#runtime/*` or `#platform/*` specifier
  // is left in them.
  {
    name: 'node10 (without got)',
    file: 'app.ts',
    source: withoutGot,
    options: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
  },
]

const started = Date.now()
const scratch = mkdtempSync(join(tmpdir(), 'nebius-auth-consumer-'))
let passed = 0
let failed = 0
try {
  const tarballs = join(scratch, 'tarballs')
  mkdirSync(tarballs)
  // One recursive pack for all of them: the tarballs npm would publish, workspace ranges rewritten.
  const filters = packages.flatMap((folder) => ['--filter', `@nebius-auth/${folder}`])
  execFileSync('npx', ['-y', 'pnpm@10.34.8', '-r', ...filters, 'pack', '--pack-destination', tarballs], {
    cwd: root,
    stdio: 'ignore',
  })
  const project = join(scratch, 'project')
  mkdirSync(project)
  // What `npm init -y` writes, in substance: a CommonJS package.
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
  )
  const clients = [
    `axios@${devVersion('axios', 'axios')}`,
    `got@${devVersion('got', 'got')}`,
    `ky@${devVersion('ky', 'ky')}`,
    `typescript@${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.typescript}`,
    '@types/node@^20.19.0',
  ]
  const files = readdirSync(tarballs).map((file) => join(tarballs, file))
  for (const file of files) {
    const problems = contentProblems(file)
    if (problems.length === 0) passed++
    else failed++
    console.log(
      `${problems.length === 0 ? 'ok  ' : 'FAIL'} contents of ${file.split('/').at(-1)}${problems.map((problem) => `\n     ${problem}`).join('')}`,
    )
  }
  // Matched on the file name: the scratch folder's own name starts with nebius-auth- too.
  const toInstall = files.filter((file) =>
    installed.has(/^nebius-auth-([a-z]+)-\d/.exec(basename(file))?.[1]),
  )
  if (toInstall.length !== installed.size)
    throw new Error(`found ${toInstall.length} of ${installed.size} tarballs`)
  const userInstalls = Promise.all(['20', '24'].map((line) => userInstall(line, scratch, files)))
  await run('npm', [...npmInstall, ...toInstall, ...clients], {
    cwd: project,
  })
  const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc')
  // The four tsc runs are independent: two at a time, as the machine has two cores.
  const checks = settings.map((setting) => {
    const folder = join(project, setting.name.replace(/\W+/g, '-'))
    mkdirSync(folder)
    writeFileSync(join(folder, setting.file), setting.source ?? app)
    const compilerOptions = {
      ...setting.options,
      target: 'es2022',
      lib: ['es2022'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
    }
    writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [setting.file] }))
    return { setting, folder }
  })
  const typeCheck = ({ setting, folder }) =>
    run(process.execPath, [tsc, '-p', folder]).then(
      () => ({ setting, folder, ok: true, stdout: '' }),
      (error) => ({ setting, folder, ok: false, stdout: `${error.stdout ?? error.message}` }),
    )
  const results = []
  for (let index = 0; index < checks.length; index += 2) {
    results.push(...(await Promise.all(checks.slice(index, index + 2).map(typeCheck))))
  }
  for (const { name, ok, detail } of await userInstalls) {
    if (ok) passed++
    else failed++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? ` (${detail})` : `\n${detail}`}`)
  }
  for (const { setting, folder, ok, stdout } of results) {
    if (ok) passed++
    else failed++
    console.log(`${ok ? 'ok  ' : 'FAIL'} tsc, ${setting.name}`)
    if (!ok) console.log(stdout.replaceAll(folder, '.'))
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
console.log(`packed tarball checks took ${Math.round((Date.now() - started) / 1000)} s`)
console.log(`packed tarballs: ${passed} passed, ${failed} failed`)
if (failed > 0) process.exitCode = 1
