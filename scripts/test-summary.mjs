// Adds up the vitest JSON reports that each package's `test` task wrote (turbo restores them from its
// cache too), so one closing line tells how many tests the whole workspace ran.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['packages', 'apps']
let passed = 0
let failed = 0
let skipped = 0
const missing = []
for (const root of roots) {
  for (const name of readdirSync(root)) {
    const dir = join(root, name)
    if (!existsSync(join(dir, 'vitest.config.ts'))) continue
    const file = join(dir, 'test-results.json')
    if (!existsSync(file)) {
      missing.push(dir)
      continue
    }
    const report = JSON.parse(readFileSync(file, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + (report.numTodoTests ?? 0)
  }
}
if (missing.length > 0) {
  console.error(`no test report from: ${missing.join(', ')}`)
  process.exitCode = 1
}
if (passed === 0) process.exitCode = 1
if (failed > 0) process.exitCode = 1
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
