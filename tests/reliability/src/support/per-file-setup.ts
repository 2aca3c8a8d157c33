/**
 * Runs in every test file's worker: captures the library's NODE_DEBUG lines, counts unhandled rejections,
 * and when the file ends, checks and hands over what it collected.
 */
import { afterAll, expect } from 'vitest'

import { countLeaks, flushCollector, outputsScanned, recordOutput } from './collector.js'

let unhandledRejections = 0
process.on('unhandledRejection', () => {
  unhandledRejections++
})

// util.debuglog writes `NEBIUS-AUTH <pid>: <line>` through process.stderr.write: collect those lines
// instead of printing thousands of them; anything else goes through untouched.
const originalWrite = process.stderr.write.bind(process.stderr)
process.stderr.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
  const lines = text.split('\n').filter((line) => line !== '')
  const debugLines = lines.filter((line) => line.startsWith('NEBIUS-AUTH '))
  for (const line of debugLines) recordOutput('log', line)
  if (lines.length > 0 && debugLines.length === lines.length) return true
  return (originalWrite as (...parameters: unknown[]) => boolean)(chunk, ...rest)
}

afterAll(() => {
  const file = expect.getState().testPath ?? 'unknown'
  flushCollector(file.slice(file.lastIndexOf('/') + 1), { unhandledRejections })
  expect(unhandledRejections).toBe(0)
  expect(outputsScanned()).toBeGreaterThan(0)
  expect(countLeaks()).toBe(0)
})
