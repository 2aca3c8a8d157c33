/**
 * Scenario 5: many requests through each adapter in a child process of its own (`--expose-gc`), with a
 * serviceAccount provider refreshing a 4-second token against the emulator. The child reports heap after
 * GC (after a warm-up, and at the end) and its active resources before and after closing everything, and
 * must then exit without process.exit.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { afterAll, describe, expect, it } from 'vitest'

import { adapterNames, type AdapterName } from './support/clients.js'
import {
  pemSecrets,
  recordFigures,
  recordOutput,
  registerSecrets,
  tokenSecrets,
} from './support/collector.js'
import { leakRequestsPerAdapter, leakWarmUpRequests, timeoutFor } from './support/scale.js'

const child = fileURLToPath(new URL('leak-child.mjs', import.meta.url))
const heapLimit = 2 * 1024 * 1024
// Generous: the child's own work is done when it prints; this only catches a handle that keeps it alive.
const exitGrace = 10_000

/** One failed request as the child describes it: its error's cause chain, or the status it got. */
interface FailureDescription {
  request: number
  atMs: number
  chain: { name?: string; code?: string; message?: string; status?: number }[]
}

interface ChildReport {
  succeeded: number
  failed: number
  /** Failures by their innermost error code (or error name, or status), over the whole run. */
  failureKinds: Record<string, number>
  /** The first failures, described. */
  failures: FailureDescription[]
  durationMs: number
  /** The slowest batch of 50 concurrent requests: its wall time and its first request's number. */
  slowestBatch: { ms: number; request: number }
  exchanges: number
  heapAfterWarmUp: number
  heapAtEnd: number
  baseline: Record<string, number>
  after: Record<string, number>
  tokens: string[]
  privateKeyPem: string
}

interface ChildRun {
  report: ChildReport
  exitedByItself: boolean
  exitCode: number | null
}

function runChild(adapter: AdapterName): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(
      process.execPath,
      ['--expose-gc', child, adapter, String(leakWarmUpRequests), String(leakRequestsPerAdapter)],
      { env: { ...process.env, NODE_DEBUG: 'nebius-auth' }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    let killTimer: NodeJS.Timeout | undefined
    let killed = false
    process_.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      // The report is printed after everything was closed: from here on the child must exit by itself.
      if (stdout.endsWith('\n') && killTimer === undefined) {
        killTimer = setTimeout(() => {
          killed = true
          process_.kill('SIGKILL')
        }, exitGrace)
      }
    })
    process_.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    process_.on('error', reject)
    process_.on('close', (exitCode) => {
      clearTimeout(killTimer)
      for (const line of stderr.split('\n')) if (line.startsWith('NEBIUS-AUTH ')) recordOutput('log', line)
      try {
        const report = JSON.parse(stdout) as ChildReport
        resolve({ report, exitedByItself: !killed, exitCode })
      } catch {
        reject(
          new Error(`the ${adapter} leak child printed no report (exit ${exitCode}): ${stderr.slice(-2000)}`),
        )
      }
    })
  })
}

const runs = new Map<AdapterName, ChildRun>()
afterAll(() => {
  recordFigures('no leaks', { requestsPerAdapter: leakRequestsPerAdapter, warmUp: leakWarmUpRequests })
})

describe.each(adapterNames)(`%s over ${leakRequestsPerAdapter} requests in one process`, (adapter) => {
  it(
    'completes every request',
    async () => {
      const run = await runChild(adapter)
      runs.set(adapter, run)
      const { report } = run
      registerSecrets([...report.tokens.flatMap(tokenSecrets), ...pemSecrets(report.privateKeyPem)])
      // What a failure said is output like any other: the secrets scan reads it too.
      for (const failure of report.failures) recordOutput('error', JSON.stringify(failure.chain))
      recordFigures(`no leaks via ${adapter}`, {
        requests: leakRequestsPerAdapter,
        succeeded: report.succeeded,
        failed: report.failed,
        failureKinds: report.failureKinds,
        firstFailures: report.failures.slice(0, 3),
        seconds: Math.round(report.durationMs / 1000),
        slowestBatchMs: report.slowestBatch.ms,
        exchanges: report.exchanges,
        heapGrowthBytes: report.heapAtEnd - report.heapAfterWarmUp,
        resourcesBefore: report.baseline,
        resourcesAfter: report.after,
        exitedByItself: run.exitedByItself,
      })
      expect(report.failed, `failures by cause: ${JSON.stringify(report.failureKinds)}`).toBe(0)
      expect(report.succeeded).toBe(leakRequestsPerAdapter)
    },
    timeoutFor(leakRequestsPerAdapter, 120_000),
  )

  it('grows the heap after GC by less than 2 MB after the warm-up', () => {
    const { report } = runs.get(adapter)!
    expect(report.heapAtEnd - report.heapAfterWarmUp).toBeLessThan(heapLimit)
  })

  it('returns every kind of active resource to its starting count', () => {
    const { report } = runs.get(adapter)!
    for (const [type, count] of Object.entries(report.after))
      expect([type, count]).toEqual([type, Math.min(count, report.baseline[type] ?? 0)])
  })

  it('exits by itself once the provider and servers are closed', () => {
    const run = runs.get(adapter)!
    expect(run.exitedByItself).toBe(true)
    expect(run.exitCode).toBe(0)
  })
})
