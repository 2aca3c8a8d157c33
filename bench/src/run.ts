/**
 * `pnpm bench`: every figure is a ratio against a baseline measured in the same process, interleaved, with
 * the median and the interquartile spread of the per-round ratios. Writes bench/results.json.
 */
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { adapterOverhead } from './adapter-overhead.js'
import { coldStart } from './cold-start.js'
import { footprint } from './footprint.js'
import type { Comparison } from './interleave.js'
import { signing, warmGetToken } from './micro.js'
import { round } from './statistics.js'

interface Row {
  figure: string
  ratio: number
  p25: number
  p75: number
  target: string
  met: boolean
  detail: string
}

const rows: Row[] = []

function record(figure: string, comparison: Comparison, target: string, met: (ratio: number) => boolean): void {
  const { ratio, baseline, subject, unit } = comparison
  rows.push({
    figure,
    ratio: round(ratio.median),
    p25: round(ratio.p25),
    p75: round(ratio.p75),
    target,
    met: met(ratio.median),
    detail: `baseline ${round(baseline.median, 2)} vs ${round(subject.median, 2)} ${unit} (medians of ${ratio.samples} rounds)`,
  })
}

const started = Date.now()
const skipFootprint = process.argv.includes('--no-footprint')
console.log(`nebius-auth bench on Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`)

record('warm getToken ÷ async () => cached', await warmGetToken(15), '≤ 1.5', (ratio) => ratio <= 1.5)
record('signAssertion ÷ node:crypto sign (RSA 4096)', await signing(9), '≤ 1.2', (ratio) => ratio <= 1.2)
for (const [client, comparison] of Object.entries(await adapterOverhead(8, 1500))) {
  record(`${client} with adapter ÷ bare ${client} (requests/s)`, comparison, '≥ 0.95', (ratio) => ratio >= 0.95)
}
record('cold start to first token ÷ crypto + bare POST', await coldStart(9), '≤ 1.3', (ratio) => ratio <= 1.3)

let footprintResult: Awaited<ReturnType<typeof footprint>> | undefined
if (!skipFootprint) {
  footprintResult = await footprint(9)
  record('import core ÷ import google-auth-library', footprintResult.importTime, 'report', () => true)
  rows.push({
    figure: 'installed @nebius-auth/axios ÷ google-auth-library',
    ratio: round(footprintResult.installedRatioToGoogle),
    p25: round(footprintResult.installedRatioToGoogle),
    p75: round(footprintResult.installedRatioToGoogle),
    target: '≤ 0.1',
    met: footprintResult.installedRatioToGoogle <= 0.1,
    detail: Object.entries(footprintResult.installedBytes)
      .map(([name, bytes]) => `${name} ${round(bytes / 1024 / 1024, 2)} MB`)
      .join('; '),
  })
}

console.log('')
console.log(`${'figure'.padEnd(52)} ${'median'.padStart(7)} ${'p25–p75'.padStart(13)}  target  met`)
for (const row of rows) {
  console.log(
    `${row.figure.padEnd(52)} ${row.ratio.toFixed(3).padStart(7)} ${`${row.p25.toFixed(2)}–${row.p75.toFixed(2)}`.padStart(13)}  ${row.target.padEnd(6)}  ${row.met ? 'yes' : 'NO'}`,
  )
  console.log(`  ${row.detail}`)
}
if (footprintResult !== undefined) {
  console.log('\npacked sizes')
  for (const [name, bytes] of Object.entries(footprintResult.packedBytes)) console.log(`  ${name.padEnd(24)} ${round(bytes / 1024, 1)} KiB`)
}

const output = resolve(import.meta.dirname, '..', 'results.json')
writeFileSync(
  output,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: round(totalmem() / 1024 ** 3, 1),
      seconds: round((Date.now() - started) / 1000, 1),
      figures: rows,
      packedBytes: footprintResult?.packedBytes,
      installedBytes: footprintResult?.installedBytes,
    },
    null,
    2,
  ) + '\n',
)
console.log(`\nwrote ${output} in ${round((Date.now() - started) / 1000, 1)} s`)
