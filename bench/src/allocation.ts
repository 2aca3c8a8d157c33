/**
 * Heap bytes per warm call, ours against hand-written (see heap-allocation.ts for the method). The figure
 * runs in a process of its own because the V8 flags it needs are fixed when the heap is set up: `gc()` to
 * start every round from a collected heap, and semi-spaces pinned at 64 MiB, so a young generation of that
 * size holds a whole round without a scavenge (a round of 200 HTTP requests allocates a few MiB).
 */
import { fileURLToPath } from 'node:url'
import type { AllocationCounts, AllocationResults } from './allocation-child.js'
import { runJsonChild } from './json-child.js'

export type { AllocationResults } from './allocation-child.js'

const semiSpaceMiB = 64

export function allocationOverhead(counts: AllocationCounts): Promise<AllocationResults> {
  return runJsonChild<AllocationResults>(
    process.execPath,
    [
      '--expose-gc',
      `--max-semi-space-size=${semiSpaceMiB}`,
      `--min-semi-space-size=${semiSpaceMiB}`,
      fileURLToPath(new URL('./allocation-child.js', import.meta.url)),
      JSON.stringify(counts),
    ],
    'the allocation process',
  )
}
