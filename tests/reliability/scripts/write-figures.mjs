// After `vitest run`: scans every test file's collected outputs for every file's secrets (the suite-wide
// leak check), merges the figures into results.json and prints a summary table. Exits 1 on any leak.
// Plain JavaScript so it runs with node alone, like the repository's other scripts.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const runDirectory = join(root, '.run')
const files = readdirSync(runDirectory).filter((name) => name.endsWith('.json'))
if (files.length === 0) {
  console.error('no collected results in .run/: run vitest first')
  process.exit(1)
}

const secrets = new Set()
const outputs = new Set()
const outputCounts = { error: 0, event: 0, log: 0, inspect: 0 }
const figures = {}
let unhandledRejections = 0
for (const name of files) {
  const collected = JSON.parse(readFileSync(join(runDirectory, name), 'utf8'))
  for (const secret of collected.secrets) secrets.add(secret)
  for (const output of collected.outputs) outputs.add(output)
  for (const [kind, count] of Object.entries(collected.outputCounts)) outputCounts[kind] += count
  Object.assign(figures, collected.figures)
  unhandledRejections += collected.unhandledRejections
}

let leaks = 0
for (const output of outputs) for (const secret of secrets) if (output.includes(secret)) leaks++
const outputsScanned = Object.values(outputCounts).reduce((sum, count) => sum + count, 0)
figures['secrets never leak'] = {
  outputsScanned,
  ...outputCounts,
  distinctOutputs: outputs.size,
  secretsScannedFor: secrets.size,
  leaks,
}
figures['unhandled rejections'] = { count: unhandledRejections }

const results = { node: process.version, writtenAt: new Date().toISOString(), figures }
writeFileSync(join(root, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)

/** One line per scenario: per-case fault figures are folded into one row per fault. */
function summaryRows() {
  const rows = []
  const faults = new Map()
  for (const [scenario, values] of Object.entries(figures)) {
    const match = /^exchange faults: (.+) via (\w+)$/.exec(scenario)
    if (match === null) {
      rows.push([
        scenario,
        Object.entries(values)
          .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
          .join(' '),
      ])
      continue
    }
    const [, fault, adapter] = match
    const row = faults.get(fault) ?? []
    row.push(
      `${adapter}: failedWhileValid=${values.failedWhileValid} attempts=${values.attemptsWithoutToken} ${values.errorCode} recovery=${values.recoveryAttempts}`,
    )
    faults.set(fault, row)
  }
  for (const [fault, cells] of faults) rows.unshift([`fault: ${fault}`, cells.join('; ')])
  return rows
}

console.log('\nReliability figures (full data in tests/reliability/results.json)\n')
for (const [scenario, text] of summaryRows()) console.log(`| ${scenario} | ${text} |`)
if (leaks > 0 || unhandledRejections > 0) {
  console.error(`\n${leaks} secret leaks and ${unhandledRejections} unhandled rejections`)
  process.exit(1)
}
