/**
 * `pnpm bench`: every figure is a ratio against a baseline measured in the same process, in the same run,
 * interleaved, with the median and the interquartile spread of the per-round ratios. Writes
 * bench/results.json and the charts in docs/.
 *
 * Flags:
 * - `--only=micro,adapters,grpc,alloc,instructions,cold,bundle,footprint` runs those sections alone (for working on the
 *   harness): its results.json, and a chart whose sections did not all run, go to bench/scratch.
 * - `--no-footprint` skips the npm installs.
 * - `--smoke` runs every section with tiny counts (footprint only if `--only` names it) to check the harness
 *   works without loading the machine; its figures mean nothing and go to bench/scratch, not to docs/.
 * - `--allow-load` runs even when the 1-minute load is above 1.5 per core (see load.ts); the results say so.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { adapterOverhead } from './adapter-overhead.js'
import { allocationOverhead } from './allocation.js'
import { bundleSize, type BundleSize } from './bundle-size.js'
import { ratioChart } from './chart.js'
import { coldStart } from './cold-start.js'
import { footprint, ourInstallLabel, type Footprint } from './footprint.js'
import { grpcOverhead } from './grpc-overhead.js'
import { hasValgrind, instructionOverhead } from './instructions.js'
import type { KeyImportCheck } from './key-imports.js'
import {
  describeLoad,
  loadLimitPerCore,
  loadRecord,
  loadWarning,
  sampleLoad,
  type LoadSample,
} from './load.js'
import { signing, warmGetToken } from './micro.js'
import { allocationRow, comparisonRow, instructionRow, printRows, valueRow, type Row } from './report.js'
import { round } from './statistics.js'

const rows: Row[] = []
const sectionSeconds: Record<string, number> = {}
const started = Date.now()

const flag = (name: string): boolean => process.argv.includes(name)
const smoke = flag('--smoke')
const allowLoad = flag('--allow-load') || smoke
const only = process.argv
  .find((argument) => argument.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const wanted = (section: string): boolean =>
  (only === undefined ? !(smoke && section === 'footprint') : only.includes(section)) &&
  !(section === 'footprint' && flag('--no-footprint'))

// Counts of the real run, and the smoke run's: enough rounds for a median, few enough calls to be quick.
const counts = smoke
  ? { warm: [11, 200], signing: [3, 1], adapters: [3, 20], grpc: [3, 20], cold: [3, 1], footprint: 2 }
  : {
      warm: [301, 2000],
      signing: [41, 2],
      adapters: [14, 200],
      grpc: [14, 400],
      cold: [31, 2],
      footprint: 11,
    }
const allocationCounts = smoke
  ? { rounds: 3, calls: 20, getTokenCalls: 200 }
  : { rounds: 9, calls: 100, getTokenCalls: 2000 }
// Instruction counts repeat exactly, so a few rounds suffice; each arm is a process of its own under
// valgrind (about forty times slower than natively), and counts do not depend on load, so two at a time.
const instructionCounts = smoke
  ? { rounds: 2, warmupCalls: 5, calls: 5, getTokenCalls: 50, parallel: 2 }
  : { rounds: 3, warmupCalls: 100, calls: 50, getTokenCalls: 2000, parallel: 2 }

// A smoke run's figures are meaningless, and a partial run's results.json or chart would drop the other
// sections' figures: both go to the git-ignored scratch folder instead of replacing the published ones.
const repository = resolve(import.meta.dirname, '..', '..')
const scratch = resolve(repository, 'bench', 'scratch')
const outputFolder = (complete: boolean, published: string): string => {
  if (!smoke && complete) return published
  mkdirSync(scratch, { recursive: true })
  return scratch
}

/** Draws `figures` into docs/`file` when `complete` (every section the chart draws ran), else into scratch. */
function writeChart(complete: boolean, file: string, title: string, figures: Row[]): void {
  const chart = resolve(outputFolder(complete, resolve(repository, 'docs')), file)
  writeFileSync(chart, ratioChart(title, figures))
  console.log(`wrote ${chart}`)
}

const loadSamples: LoadSample[] = []
function checkLoad(at: string): LoadSample {
  const sample = sampleLoad(at)
  loadSamples.push(sample)
  // The banner once; after it, a line per sample above the limit is enough to see how long it lasted.
  if (sample.exceeded) {
    const warned = loadSamples.some((earlier) => earlier !== sample && earlier.exceeded)
    console.error(
      warned ? `\n!! ${sample.at}: ${describeLoad(sample)}, above the limit` : `\n${loadWarning(sample)}`,
    )
  }
  return sample
}

async function section<T>(name: string, work: () => Promise<T>): Promise<T> {
  checkLoad(`before ${name}`)
  const begin = Date.now()
  process.stdout.write(`${name}… `)
  const result = await work()
  sectionSeconds[name] = round((Date.now() - begin) / 1000, 1)
  const after = checkLoad(`after ${name}`)
  console.log(`${sectionSeconds[name]} s, ${describeLoad(after)}`)
  return result
}

const start = checkLoad('start')
console.log(
  `nebius-auth bench on Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${describeLoad(start)}${smoke ? ', smoke counts' : ''}`,
)
if (start.exceeded && !allowLoad) {
  console.error(
    `Refusing to run: figures taken above ${loadLimitPerCore} per core are not worth publishing. Wait for the machine to quieten (nothing else of yours running), or pass --allow-load to run anyway; results.json then records that the load rule did not hold.`,
  )
  process.exit(2)
}

if (wanted('micro')) {
  const [warmRounds = 0, warmCalls = 0] = counts.warm
  const warm = await section('warm getToken', () => warmGetToken(warmRounds, warmCalls))
  rows.push(comparisonRow('micro', 'warm getToken ÷ async () => cached', warm, '≤ 1.0'))
  const [signingRounds = 0, signingCalls = 0] = counts.signing
  const signed = await section('signing', () => signing(signingRounds, signingCalls))
  rows.push(comparisonRow('micro', 'signAssertion ÷ node:crypto sign (RSA 4096)', signed, '≤ 1.2'))
}

if (wanted('adapters')) {
  const [rounds = 0, requests = 0] = counts.adapters
  const adapters = await section('adapter overhead', () => adapterOverhead(rounds, requests))
  for (const [client, { bare, handWritten, defaultProvider }] of Object.entries(adapters)) {
    rows.push(
      comparisonRow('adapters', `${client} with adapter ÷ bare ${client} (requests/s)`, bare, '≥ 0.95'),
      comparisonRow(
        'adapters',
        `${client} with adapter ÷ hand-written interceptor (requests/s)`,
        handWritten,
        '≥ 0.97',
      ),
      comparisonRow(
        'adapters',
        `${client}, default provider: adapter ÷ hand-written (requests/s)`,
        defaultProvider,
        '≥ 0.97',
      ),
    )
  }
}

if (wanted('grpc')) {
  const [rounds = 0, calls = 0] = counts.grpc
  const grpc = await section('gRPC adapter overhead', () => grpcOverhead(rounds, calls))
  for (const [client, { fixed, handWritten, defaultProvider }] of Object.entries(grpc)) {
    const ours = client === 'connect' ? 'interceptor' : 'credentials'
    rows.push(
      comparisonRow('grpc', `${client} with our ${ours} ÷ fixed metadata (calls/s)`, fixed, '≥ 0.95'),
      comparisonRow(
        'grpc',
        `${client} with our ${ours} ÷ hand-written interceptor (calls/s)`,
        handWritten,
        '≥ 0.97',
      ),
      comparisonRow(
        'grpc',
        `${client}, default provider: ours ÷ hand-written (calls/s)`,
        defaultProvider,
        '≥ 0.97',
      ),
    )
  }
}

if (wanted('adapters') || wanted('grpc')) {
  writeChart(
    wanted('adapters') && wanted('grpc'),
    'performance-adapters.svg',
    'Throughput ratios, HTTP and gRPC adapters (CPU-time medians, p25–p75 whiskers)',
    rows.filter((row) => row.section === 'adapters' || row.section === 'grpc'),
  )
}

if (wanted('alloc')) {
  const allocation = await section('allocation per call', () => allocationOverhead(allocationCounts))
  for (const [figure, { floor, bare, handWritten, defaultProvider }] of Object.entries(allocation)) {
    if (floor !== undefined)
      rows.push(allocationRow(`${figure} heap bytes ÷ async () => cached`, floor, 'none'))
    const baseline = figure === 'grpc-js' || figure === 'connect' ? 'fixed metadata' : `bare ${figure}`
    if (bare !== undefined) rows.push(allocationRow(`${figure} heap bytes/call ÷ ${baseline}`, bare, 'none'))
    if (handWritten !== undefined) {
      rows.push(allocationRow(`${figure} heap bytes/call ÷ hand-written`, handWritten, '≤ 1.1'))
    }
    if (defaultProvider !== undefined) {
      rows.push(
        allocationRow(
          `${figure}, default provider: heap bytes/call ÷ hand-written`,
          defaultProvider,
          '≤ 1.1',
        ),
      )
    }
  }
  writeChart(
    true,
    'performance-allocation.svg',
    'Heap bytes per warm call, ours ÷ hand-written (medians, p25–p75 whiskers)',
    rows.filter((row) => row.section === 'alloc' && row.target !== 'none'),
  )
}

if (wanted('instructions')) {
  if (hasValgrind()) {
    // A smoke run checks the harness on one HTTP and one gRPC client: valgrind's start-up alone takes
    // about 20 s per process.
    const figures = smoke ? ['fetch', 'grpc-js'] : undefined
    const counted = await section('instructions per call', () =>
      instructionOverhead(instructionCounts, figures),
    )
    for (const [figure, comparisons] of Object.entries(counted)) {
      const { floor, bare, handWritten, handWrittenVsBare, defaultProvider } = comparisons
      if (floor !== undefined) {
        rows.push(instructionRow(`${figure} instructions ÷ async () => cached`, floor, '≤ 1.0'))
      }
      const baseline = figure === 'grpc-js' || figure === 'connect' ? 'fixed metadata' : `bare ${figure}`
      if (bare !== undefined) {
        rows.push(instructionRow(`${figure}: instructions/call of ${baseline} ÷ ours`, bare, '≥ 0.95'))
      }
      if (handWrittenVsBare !== undefined) {
        rows.push(
          instructionRow(
            `${figure}: ${baseline} ÷ hand-written (context: no adapter)`,
            handWrittenVsBare,
            'none',
          ),
        )
      }
      if (handWritten !== undefined) {
        rows.push(
          instructionRow(`${figure}: instructions/call of hand-written ÷ ours`, handWritten, '≥ 0.97'),
        )
      }
      if (defaultProvider !== undefined) {
        rows.push(
          instructionRow(
            `${figure}, default provider: hand-written ÷ ours (instructions)`,
            defaultProvider,
            '≥ 0.97',
          ),
        )
      }
    }
    writeChart(
      true,
      'performance-instructions.svg',
      'Instructions per warm call, baseline ÷ ours (interpreter tier, medians)',
      rows.filter((row) => row.section === 'instructions' && row.target.startsWith('≥')),
    )
  } else {
    console.log('instructions per call: skipped, valgrind is not installed (apt-get install valgrind)')
  }
}

let keyImports: KeyImportCheck | undefined
if (wanted('cold')) {
  const [rounds = 0, calls = 0] = counts.cold
  const cold = await section('cold start', () => coldStart(rounds, calls))
  rows.push(comparisonRow('cold', 'cold start to first token ÷ crypto + bare POST', cold.comparison, '≤ 1.3'))
  keyImports = cold.keyImports
}

// The bundle budget of a web app or edge function using core + fetch (esbuild, minified, gzipped).
const bundleBudget = 16 * 1024
let bundleResult: BundleSize | undefined
if (wanted('bundle')) {
  const bundled = await section('bundle size', bundleSize)
  bundleResult = bundled
  const row = valueRow(
    'bundle',
    'browser bundle (core + fetch, gzip) ÷ 16 KiB budget',
    bundled.browser.gzipped / bundleBudget,
    '≤ 1.0',
    [
      `browser ${round(bundled.browser.gzipped / 1024, 1)} KiB gzip (${round(bundled.browser.minified / 1024, 1)} KiB minified, jose included, ${bundled.browser.nodeImports} node: imports)`,
      `node ${round(bundled.node.gzipped / 1024, 1)} KiB gzip (${round(bundled.node.minified / 1024, 1)} KiB minified)`,
    ].join('; '),
  )
  // The browser bundle must also be free of node: imports.
  rows.push({ ...row, met: row.met === true && bundled.browser.nodeImports === 0 })
}

let footprintResult: Footprint | undefined
if (wanted('footprint')) {
  footprintResult = await section('footprint', () => footprint(counts.footprint))
  rows.push(
    valueRow(
      'footprint',
      'installed @nebius-auth/axios ÷ google-auth-library (bytes)',
      footprintResult.installedRatioToGoogle,
      '≤ 0.1',
      Object.entries(footprintResult.installedBytes)
        .map(([name, bytes]) => `${name} ${round(bytes / 1024 / 1024, 2)} MB`)
        .join('; '),
    ),
    comparisonRow(
      'footprint',
      'import core ÷ import google-auth-library',
      footprintResult.importTime,
      'none',
    ),
  )
}

const end = checkLoad('end')
const load = loadRecord(loadSamples, allowLoad)
const seconds = round((Date.now() - started) / 1000, 1)
console.log('')
printRows(rows)
if (keyImports !== undefined) {
  console.log(
    `\nkey parsed once per provider: ${keyImports.keyImports} createPrivateKey, ${keyImports.conversions} WebCrypto importKey and ${keyImports.signatures} WebCrypto sign calls over ${keyImports.exchanges} exchanges (${keyImports.exchanges - 1} forced with { rejected }): ${keyImports.met ? 'yes' : 'NO'}`,
  )
}
if (bundleResult !== undefined) {
  console.log('\nbundle of serviceAccount + withNebiusAuth (esbuild --bundle --minify), and the install')
  const { browser, node, installed } = bundleResult
  const kib = (bytes: number) => `${round(bytes / 1024, 1)} KiB`
  console.log(
    `  ${'--platform=browser'.padEnd(24)} ${kib(browser.gzipped)} gzip, ${kib(browser.minified)} minified`,
  )
  console.log(`  ${'--platform=node'.padEnd(24)} ${kib(node.gzipped)} gzip, ${kib(node.minified)} minified`)
  const total = Object.values(installed).reduce((sum, bytes) => sum + bytes, 0)
  const parts = Object.entries(installed).map(([name, bytes]) => `${name} ${kib(bytes)}`)
  console.log(`  ${'installed (core + fetch)'.padEnd(24)} ${kib(total)}: ${parts.join(', ')}`)
}
if (footprintResult !== undefined) {
  console.log('\npacked sizes')
  for (const [name, bytes] of Object.entries(footprintResult.packedBytes)) {
    console.log(`  ${name.padEnd(24)} ${round(bytes / 1024, 1)} KiB`)
  }
  for (const name of footprintResult.notBuilt) console.log(`  ${name.padEnd(24)} build failed, not packed`)
  console.log(`\n${ourInstallLabel}, by package`)
  for (const [name, bytes] of Object.entries(footprintResult.ourInstall)) {
    console.log(`  ${name.padEnd(24)} ${round(bytes / 1024, 1)} KiB`)
  }
}

console.log(
  `\n${describeLoad(end)} at the end; load rule (≤ ${loadLimitPerCore} per core): ${load.exceeded ? 'BROKEN, see the warnings above; do not publish these figures' : 'held throughout'}`,
)

const output = resolve(outputFolder(only === undefined, resolve(repository, 'bench')), 'results.json')
writeFileSync(
  output,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: round(totalmem() / 1024 ** 3, 1),
      smoke,
      load,
      seconds,
      sectionSeconds,
      sections: only ?? 'all',
      figures: rows,
      keyParsedOncePerProvider: keyImports,
      bundleBytes: bundleResult,
      packedBytes: footprintResult?.packedBytes,
      installedBytes: footprintResult?.installedBytes,
      ourInstallByPackage: footprintResult?.ourInstall,
    },
    null,
    2,
  ) + '\n',
)
console.log(`\nwrote ${output} in ${seconds} s`)
