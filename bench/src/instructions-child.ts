/**
 * One process of the instruction-count figure, run under `valgrind --tool=callgrind` by instructions.ts:
 * it measures one arm of one figure, the same clients as the CPU and heap figures (adapter-overhead.ts,
 * grpc-overhead.ts) against the same child-process servers, which valgrind does not trace.
 *
 * One arm per process, because V8's inline caches make the arms of one process cost each other: once a
 * client's code has seen the bare arm's objects and the adapted arm's, every arm pays for polymorphic
 * lookups (measured: a bare grpc-js call went from 430 to 720 thousand instructions after the other arms
 * ran). A user's process runs one of them, so each arm gets a process of its own, set up alike.
 *
 * Rounds are cut out of the run by markers: callgrind is told to dump its counters each time
 * `uv_os_getpriority` is entered, and nothing but `os.getPriority()` here calls it. The interval between
 * two markers is a measured round or a gap (warm-up, the GC watch settling); this process writes the label
 * of every interval to stdout as JSON, in order, and the parent pairs them with the dump files. A round
 * during which a collection ran is labelled a gap and run again, so the counts are the mutator's work
 * alone. Every round starts after a full GC, so no incremental marking or sweeping left over from earlier
 * work lands in it (measured: one that did cost a ky round 20% more). With the optimising compilers on, a
 * full GC would also drop optimised code; instructions.ts runs the interpreter only, where it drops none.
 */
import { getPriority } from 'node:os'
import { PerformanceObserver } from 'node:perf_hooks'
import { runInNewContext } from 'node:vm'
import { bearer } from '@nebius-auth/core/adapter'
import { clients, concurrency, startServer } from './adapter-overhead.js'
import { grpcClients, startGrpcServer } from './grpc-overhead.js'
import { concurrently } from './interleave.js'
import type { InstructionIntervals, InstructionTask, Interval } from './instructions.js'
import { benchDefaultProvider, benchToken, explicitProvider } from './token-sources.js'

/** `calls` calls of the arm under test. */
type Work = (calls: number) => Promise<unknown>

const task = JSON.parse(process.argv[2] ?? '{}') as InstructionTask
const intervals: Interval[] = []
let markers = 0
const marker = (): void => {
  getPriority()
  markers += 1
}

let collections = 0
const observer = new PerformanceObserver((list) => {
  collections += list.getEntries().length
})
observer.observe({ entryTypes: ['gc'] })
// Started with --expose-gc by instructions.ts; `gc` lives on the global of every context.
const collectGarbage = runInNewContext('gc') as () => void
const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 2; turn += 1) await new Promise((resolve) => setImmediate(resolve))
}

/** One round between two markers; run again (up to 5 times) if a collection ran during it. */
async function measure(round: number, work: Work): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    collectGarbage()
    await settle()
    collections = 0
    marker()
    intervals.push({ gap: true })
    await work(task.calls)
    marker()
    await settle()
    if (collections === 0) {
      intervals.push({ round })
      return
    }
    intervals.push({ gap: true })
  }
  throw new Error(`${task.figure} ${task.arm}: a collection ran in every attempt; give a round fewer calls`)
}

/**
 * The figure is void unless the arm sends what it should (a misconfigured `origins` would measure a
 * no-op). Only the arm under test is called: calling the others would teach the shared code their shapes.
 */
function checkArm(sent: string, expected: string): void {
  if (sent !== expected)
    throw new Error(
      `${task.figure} ${task.arm}: the server saw ${sent === '-' ? 'no' : 'another'} Authorization`,
    )
}

/** The five arms by name: a baseline (bare, or fixed metadata), and both providers' hand-written and ours. */
function armNamed<T>(
  bare: T,
  explicit: { handWritten: T; adapted: T },
  fallback: { handWritten: T; adapted: T },
): T | undefined {
  const arms: Record<string, T> = {
    bare,
    handWritten: explicit.handWritten,
    adapted: explicit.adapted,
    defaultHandWritten: fallback.handWritten,
    defaultAdapted: fallback.adapted,
  }
  return arms[task.arm]
}

async function run(work: Work): Promise<void> {
  marker()
  await work(task.warmupCalls)
  for (let round = 0; round < task.rounds; round += 1) await measure(round, work)
}

const provider = explicitProvider()
const fallback = benchDefaultProvider()
await Promise.all([provider.getToken(), fallback.getToken()])
const grpcFigures = ['grpc-js', 'connect']

if (task.figure === 'warm getToken') {
  const cached = await provider.getToken()
  // The floor, as in the CPU figure: an async function that returns a constant token object.
  // eslint-disable-next-line @typescript-eslint/require-await
  const floor = async () => cached
  const operation = task.arm === 'floor' ? () => floor() : () => provider.getToken()
  await run(async (calls) => {
    for (let index = 0; index < calls; index += 1) await operation()
  })
} else if (grpcFigures.includes(task.figure)) {
  const server = await startGrpcServer()
  const arms = grpcClients(server.target, provider)[task.figure]
  const defaultArms = grpcClients(server.target)[task.figure]
  try {
    if (arms === undefined || defaultArms === undefined) throw new Error(`no figure ${task.figure}`)
    const calls = armNamed(arms.fixed, arms, defaultArms)
    if (calls === undefined) throw new Error(`no arm ${task.arm}`)
    checkArm(await calls(), bearer(benchToken))
    await run((count) => concurrently(concurrency, count, calls))
  } finally {
    arms?.close()
    defaultArms?.close()
    await server.close()
  }
} else {
  const server = await startServer()
  try {
    const arms = clients(server.base, provider)[task.figure]
    const defaultArms = clients(server.base)[task.figure]
    if (arms === undefined || defaultArms === undefined) throw new Error(`no figure ${task.figure}`)
    const send = armNamed(arms.bare, arms, defaultArms)
    if (send === undefined) throw new Error(`no arm ${task.arm}`)
    checkArm(await send('v1/whoami'), task.arm === 'bare' ? '-' : bearer(benchToken))
    await run((count) => concurrently(concurrency, count, () => send('v1/ping')))
  } finally {
    await server.close()
  }
}

provider.close()
fallback.close()
observer.disconnect()
const answer: InstructionIntervals = { markers, intervals }
// Keep-alive sockets of the clients' pools may hold the loop open; the answer is complete once written.
process.stdout.write(JSON.stringify(answer), () => process.exit(0))
