/**
 * Bytes allocated on the V8 heap per call, compared between two arms round by round. Node 20's
 * `v8.getHeapStatistics()` has no running total of allocated bytes, so a round is read as the growth of
 * `used_heap_size` between a full GC and the end of the round. That equals what the round allocated only
 * if no collection ran in between, so this runs in a process started with a young generation large enough
 * for a whole round (`--max-semi-space-size`, see allocation.ts), and every GC is watched through
 * `PerformanceObserver`: a round during which any collection ran is thrown away and run again.
 *
 * Unlike CPU time, the figure does not depend on what else the machine runs: the same calls allocate the
 * same objects whether the scheduler is kind or not. Off-heap memory (the backing stores of Buffers) is not
 * in it; both arms of a client read the same responses into the same kind of buffers.
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { spread, type Spread } from './statistics.js'

let collections = 0
const observer = new PerformanceObserver((list) => {
  collections += list.getEntries().length
})
observer.observe({ entryTypes: ['gc'] })

/** Stops watching collections, so the process can end. */
export function stopWatchingCollections(): void {
  observer.disconnect()
}

// The process runs with --expose-gc (allocation.ts starts it so); `gc` lives on the global of every context.
const collectGarbage = runInNewContext('gc') as () => void

// GC entries reach the observer in a later turn of the event loop; two turns let every pending one land.
const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 2; turn += 1) await new Promise((resolve) => setImmediate(resolve))
}

/** Heap bytes per call over one round of `calls` calls, or undefined if a collection ran during it. */
async function bytesPerCall(
  round: (calls: number) => Promise<unknown>,
  calls: number,
): Promise<number | undefined> {
  collectGarbage()
  await settle()
  collections = 0
  const before = getHeapStatistics().used_heap_size
  await round(calls)
  const after = getHeapStatistics().used_heap_size
  await settle()
  return collections === 0 ? (after - before) / calls : undefined
}

/** Heap bytes per call of two arms, and their per-round ratio (subject ÷ baseline). */
export interface AllocationComparison {
  ratio: Spread
  baseline: Spread
  subject: Spread
  /** Rounds thrown away because a collection ran during them. */
  discarded: number
}

/**
 * Runs the two arms alternately (alternating which goes first), `rounds` times after `warmupRounds` that
 * let the JIT settle: optimised code allocates less than the interpreter, so cold rounds would mislead.
 */
export async function compareAllocation(
  options: { rounds: number; warmupRounds?: number; calls: number },
  baseline: (calls: number) => Promise<unknown>,
  subject: (calls: number) => Promise<unknown>,
): Promise<AllocationComparison> {
  const { rounds, warmupRounds = 2, calls } = options
  const baselineBytes: number[] = []
  const subjectBytes: number[] = []
  let discarded = 0
  // A round keeps being retried until it is clean; the cap only stops a young generation too small for
  // the round from looping for ever.
  const clean = async (arm: (calls: number) => Promise<unknown>): Promise<number> => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const bytes = await bytesPerCall(arm, calls)
      if (bytes !== undefined) return bytes
      discarded += 1
    }
    throw new Error(
      'a collection ran in every attempt: give the round fewer calls or a larger young generation',
    )
  }
  for (let index = 0; index < warmupRounds + rounds; index += 1) {
    let base: number
    let own: number
    if (index % 2 === 0) {
      base = await clean(baseline)
      own = await clean(subject)
    } else {
      own = await clean(subject)
      base = await clean(baseline)
    }
    if (index < warmupRounds) continue
    baselineBytes.push(base)
    subjectBytes.push(own)
  }
  return {
    ratio: spread(subjectBytes.map((own, index) => own / (baselineBytes[index] ?? Number.NaN))),
    baseline: spread(baselineBytes),
    subject: spread(subjectBytes),
    discarded,
  }
}
