/**
 * Heap bytes per warm call, ours against hand-written (see heap-allocation.ts for the method). The figure
 * runs in a process of its own because the V8 flags it needs are fixed when the heap is set up: `gc()` to
 * start every round from a collected heap, and semi-spaces pinned at 64 MiB, so a young generation of that
 * size holds a whole round without a scavenge (a round of 200 HTTP requests allocates a few MiB).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { AllocationCounts, AllocationResults } from './allocation-child.js'

export type { AllocationResults } from './allocation-child.js'

const semiSpaceMiB = 64

export async function allocationOverhead(counts: AllocationCounts): Promise<AllocationResults> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      `--max-semi-space-size=${semiSpaceMiB}`,
      `--min-semi-space-size=${semiSpaceMiB}`,
      fileURLToPath(new URL('./allocation-child.js', import.meta.url)),
      JSON.stringify(counts),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const chunks: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`the allocation process ended with code ${String(code)}`)
  return JSON.parse(Buffer.concat(chunks).toString()) as AllocationResults
}
