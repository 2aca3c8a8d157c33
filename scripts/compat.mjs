// The client compatibility matrix: each adapter's own vitest suite, once per supported client major and
// Node line. Clients are installed side by side under npm aliases (see each adapter's devDependencies);
// the suites load the one named by NEBIUS_AUTH_CLIENT_MODULE. Node 24 comes from the npm registry.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { nodeBinary } from './node-binary.mjs'

// The Node 20 lanes with each package's default client (axios latest, got 14, ky 1, fetch) are exactly
// what `pnpm test` runs; CI runs that first, so those lanes are skipped here unless `--all` is given.
const coveredByTest = new Set(['20 axios', '20 got', '20 ky', '20 fetch'])
const lanes = [
  { node: '20', package: 'axios', module: 'axios' },
  { node: '20', package: 'axios', module: 'axios-1-16' },
  { node: '20', package: 'got', module: 'got' },
  { node: '20', package: 'ky', module: 'ky' },
  { node: '20', package: 'fetch', module: 'fetch' },
  { node: '24', package: 'axios', module: 'axios' },
  { node: '24', package: 'axios', module: 'axios-1-16' },
  { node: '24', package: 'got', module: 'got' },
  { node: '24', package: 'got', module: 'got-16' },
  { node: '24', package: 'ky', module: 'ky' },
  { node: '24', package: 'ky', module: 'ky-2' },
  { node: '24', package: 'fetch', module: 'fetch' },
  // The gRPC adapters' suites run every supported client line themselves (grpc-js 1.10 and 1.14); Node 24 here.
  { node: '24', package: 'grpc', module: 'grpc-js' },
  { node: '24', package: 'connect', module: 'connect' },
]

const all = process.argv.includes('--all')
const only = process.argv.slice(2).filter((argument) => argument !== '--all')
const binaries = new Map()
const scratch = mkdtempSync(join(tmpdir(), 'nebius-auth-compat-'))
const rows = []
let passed = 0
let failed = 0
try {
  for (const lane of lanes) {
    if (only.length > 0 && !only.includes(lane.package)) continue
    if (!all && coveredByTest.has(`${lane.node} ${lane.module}`)) {
      rows.push({
        lane: `${lane.package} ${lane.module} node ${lane.node}`,
        passed: 0,
        failed: 0,
        ok: true,
        note: 'run by pnpm test',
      })
      continue
    }
    if (!binaries.has(lane.node)) binaries.set(lane.node, nodeBinary(lane.node))
    const node = binaries.get(lane.node)
    const report = join(scratch, `${lane.node}-${lane.module}.json`)
    const cwd = join('packages', lane.package)
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
    console.log(`\n--- ${lane.package} with ${lane.module} on Node ${version} ---`)
    const result = spawnSync(
      node,
      [
        join('..', '..', 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--reporter=dot',
        '--reporter=json',
        `--outputFile.json=${report}`,
      ],
      { cwd, stdio: 'inherit', env: { ...process.env, NEBIUS_AUTH_CLIENT_MODULE: lane.module } },
    )
    let counts = { numPassedTests: 0, numFailedTests: 0 }
    try {
      counts = JSON.parse(readFileSync(report, 'utf8'))
    } catch {
      counts.numFailedTests = 1 // no report: the run itself broke
    }
    const ok = result.status === 0 && counts.numFailedTests === 0 && counts.numPassedTests > 0
    passed += counts.numPassedTests
    failed += counts.numFailedTests + (ok || counts.numFailedTests > 0 ? 0 : 1)
    rows.push({
      lane: `${lane.package} ${lane.module} node ${version}`,
      passed: counts.numPassedTests,
      failed: counts.numFailedTests,
      ok,
    })
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}

// Every range a package claims must have its lowest version under test: the lowest of each `^x.y.z`
// alternative of a peer range must be the installed version of one of the client modules its tests load
// (the lanes above for the adapters; the Redis store's own suite loads all of its clients in `pnpm test`).
const testedModules = {
  axios: { axios: ['axios', 'axios-1-16'] },
  got: { got: ['got', 'got-16'] },
  ky: { ky: ['ky', 'ky-2'] },
  redis: { redis: ['redis', 'redis-5-0', 'redis-4'], ioredis: ['ioredis', 'ioredis-5-0'] },
  // The gRPC suites load both grpc-js lines in every run (see packages/grpc/vitest.config.ts).
  grpc: { '@grpc/grpc-js': ['@grpc/grpc-js', 'grpc-js-1-10'] },
  // The Connect suite loads Connect 2.3 and 2.0 in every run (see packages/connect/vitest.config.ts).
  connect: { '@connectrpc/connect': ['@connectrpc/connect', 'connect-2-0'] },
}
for (const [folder, peers] of Object.entries(testedModules)) {
  const manifest = JSON.parse(readFileSync(join('packages', folder, 'package.json'), 'utf8'))
  for (const [peer, modules] of Object.entries(peers)) {
    const range = manifest.peerDependencies?.[peer] ?? ''
    const tested = modules
      .map((module) => join('packages', folder, 'node_modules', module, 'package.json'))
      .filter((path) => existsSync(path))
      .map((path) => JSON.parse(readFileSync(path, 'utf8')).version)
    const lowest = range.split('||').map((part) => part.trim().replace(/^\^/, ''))
    const untested = lowest.filter((version) => !tested.includes(version))
    const ok = range !== '' && untested.length === 0
    if (!ok) failed++
    rows.push({
      lane: `${folder} peer ${peer} "${range}"`,
      ok,
      note: ok ? `lowest versions tested: ${lowest.join(', ')}` : `untested: ${untested.join(', ') || range}`,
    })
  }
}

console.log('\ncompat matrix')
for (const row of rows) {
  const counts = row.note ?? `${row.passed} passed, ${row.failed} failed`
  console.log(`${row.ok ? 'ok  ' : 'FAIL'} ${row.lane.padEnd(40)} ${counts}`)
}
console.log(`compat: ${passed} passed, ${failed} failed`)
if (failed > 0 || rows.some((row) => !row.ok)) process.exitCode = 1
