/**
 * Instructions per warm call, ours against the same baselines as the CPU figures, counted by valgrind's
 * callgrind instead of timed. CPU time on a small shared machine swings by 10–20% from run to run, more
 * than the 3–5% the targets are about; an instruction count does not depend on what else the machine does.
 *
 * What makes it repeatable, each found by measuring (see docs/PERFORMANCE.md):
 * - one process per arm (instructions-child.ts says why);
 * - JavaScript runs in V8's interpreter only (`--no-opt --no-sparkplug --no-maglev`). With the optimising
 *   compilers on, which function is optimised when depends on background compiler threads, and the same
 *   arm's count moved by 3–10% from process to process and kept drifting after 2,000 warm-up calls; in
 *   the interpreter, two processes agree within 0.3%. The figure is therefore the interpreter tier's: every
 *   bytecode, ours and the client's, is counted at the interpreter's price, while the native parts (HTTP
 *   parsers, nghttp2, libuv) cost what they always do. JavaScript weighs more here than in optimised
 *   code, so a layer that is all JavaScript, as ours is, should cost relatively no less here than in a
 *   warm process; the CPU figures are the optimised tier's;
 * - only this process's main thread is counted (valgrind does not trace the servers; V8's and libuv's
 *   helper threads are read apart and left out), and no round in which a garbage collection ran;
 * - system calls are the kernel's work, not counted, and both arms of a client make the same ones.
 *
 * The method: each process runs under callgrind with `--dump-before=uv_os_getpriority`, so each
 * `os.getPriority()` it makes writes the counters since the previous one to a numbered file; the child
 * says which interval was which round. The figure is baseline ÷ ours per round (like a throughput ratio:
 * 1 means no cost, and the ≥ targets apply), and for the warm getToken ours ÷ the floor.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runJsonChild } from './json-child.js'
import { spread, type Spread } from './statistics.js'

/** The arms of a client figure; the warm getToken figure's are `floor` and `getToken`. */
export const clientArms = ['bare', 'handWritten', 'adapted', 'defaultHandWritten', 'defaultAdapted'] as const

/** What one process measures: one arm of one figure, after warm-up calls, in rounds of `calls` calls. */
export interface InstructionTask {
  figure: string
  arm: string
  rounds: number
  warmupCalls: number
  calls: number
}

/** One interval between two markers: a measured round, or a gap. */
export type Interval = { round: number } | { gap: true }

/** What the child writes: how many markers it made, and the intervals between them in order. */
export interface InstructionIntervals {
  markers: number
  intervals: Interval[]
}

/** Counts for the whole figure: measured rounds, warm-up calls and calls per round of each arm. */
export interface InstructionCounts {
  rounds: number
  warmupCalls: number
  calls: number
  getTokenCalls: number
  /** Processes run at once: counts do not depend on the load, so both cores can be used. */
  parallel: number
}

/** One comparison: per-round ratios, and the instructions per call of each arm (medians). */
export interface InstructionComparison {
  ratio: Spread
  baselinePerCall: number
  subjectPerCall: number
}

/** Per figure (client or `warm getToken`), its comparisons by baseline name. */
export type InstructionResults = Record<string, Record<string, InstructionComparison>>

export const instructionFigures = ['axios', 'got', 'ky', 'fetch', 'grpc-js', 'connect'] as const

/** The pairs compared in every client figure: baseline arm, our arm. */
const clientPairs = {
  bare: ['bare', 'adapted'],
  // Context: what setting the header at all costs, by hand. Ours ÷ bare cannot beat it.
  handWrittenVsBare: ['bare', 'handWritten'],
  handWritten: ['handWritten', 'adapted'],
  defaultProvider: ['defaultHandWritten', 'defaultAdapted'],
} as const

const semiSpaceMiB = 64

/** Whether valgrind is on this machine; the section is skipped, saying so, when it is not. */
export function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0
}

/** The `totals:` line of a callgrind dump: instructions executed (Ir) in that interval. */
function totalInstructions(file: string): number {
  const match = /^(?:totals|summary): (\d+)/m.exec(readFileSync(file, 'utf8'))
  if (match === null) throw new Error(`no totals in ${file}`)
  return Number(match[1])
}

/** The main thread's dumps, in order: `cg.<pid>.<n>-01`, n from 1. */
function mainThreadDumps(folder: string): string[] {
  return readdirSync(folder)
    .map((name) => /^cg\.\d+\.(\d+)-01$/.exec(name))
    .filter((match) => match !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((match) => join(folder, match[0]))
}

/** Runs one arm under callgrind; resolves to its instructions per call, round by round. */
async function measureArm(folder: string, task: InstructionTask): Promise<number[]> {
  mkdirSync(folder)
  const answer = await runJsonChild<InstructionIntervals>(
    'valgrind',
    [
      '--tool=callgrind',
      '--separate-threads=yes',
      '--dump-before=uv_os_getpriority',
      `--callgrind-out-file=${join(folder, 'cg.%p')}`,
      `--log-file=${join(folder, 'valgrind.log')}`,
      process.execPath,
      '--expose-gc',
      '--no-opt',
      '--no-sparkplug',
      '--no-maglev',
      // Bytecode of functions idle for a while is dropped at a full GC and compiled again when called.
      '--no-flush-bytecode',
      `--max-semi-space-size=${semiSpaceMiB}`,
      `--min-semi-space-size=${semiSpaceMiB}`,
      fileURLToPath(new URL('./instructions-child.js', import.meta.url)),
      JSON.stringify(task),
    ],
    `${task.figure} ${task.arm}: callgrind's process`,
  )
  const dumps = mainThreadDumps(folder)
  if (dumps.length !== answer.markers || answer.intervals.length !== answer.markers - 1) {
    throw new Error(
      `${task.figure} ${task.arm}: expected ${answer.markers} callgrind dumps for ${answer.intervals.length} intervals, found ${dumps.length}`,
    )
  }
  const perCall: number[] = []
  answer.intervals.forEach((interval, index) => {
    if ('gap' in interval) return
    // Dump n holds what ran between markers n-1 and n; interval k lies between markers k+1 and k+2.
    const dump = dumps[index + 1]
    if (dump === undefined) throw new Error(`no dump for interval ${index}`)
    perCall[interval.round] = totalInstructions(dump) / task.calls
  })
  return perCall
}

function compare(arms: Map<string, number[]>, baseline: string, subject: string, invert: boolean) {
  const base = arms.get(baseline) ?? []
  const own = arms.get(subject) ?? []
  const ratios = own.map((value, round) => {
    const reference = base[round] ?? Number.NaN
    return invert ? value / reference : reference / value
  })
  return {
    ratio: spread(ratios),
    baselinePerCall: spread(base).median,
    subjectPerCall: spread(own).median,
  }
}

/** Runs `tasks` with at most `parallel` at a time, in order of start. */
async function pooled<T>(parallel: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = []
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next
      next += 1
      const task = tasks[index]
      if (task !== undefined) results[index] = await task()
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane))
  return results
}

export async function instructionOverhead(
  counts: InstructionCounts,
  figures: readonly string[] = instructionFigures,
): Promise<InstructionResults> {
  const folder = mkdtempSync(join(tmpdir(), 'nebius-auth-callgrind-'))
  const { rounds, warmupCalls } = counts
  const tasks: InstructionTask[] = [
    ...['floor', 'getToken'].map((arm) => ({
      figure: 'warm getToken',
      arm,
      rounds,
      warmupCalls: counts.getTokenCalls,
      calls: counts.getTokenCalls,
    })),
    ...figures.flatMap((figure) =>
      clientArms.map((arm) => ({ figure, arm, rounds, warmupCalls, calls: counts.calls })),
    ),
  ]
  try {
    const measured = await pooled(
      counts.parallel,
      tasks.map((task, index) => () => measureArm(join(folder, String(index)), task)),
    )
    const byFigure = new Map<string, Map<string, number[]>>()
    tasks.forEach((task, index) => {
      const arms = byFigure.get(task.figure) ?? new Map<string, number[]>()
      byFigure.set(task.figure, arms.set(task.arm, measured[index] ?? []))
    })
    const results: InstructionResults = {}
    for (const [figure, arms] of byFigure) {
      results[figure] =
        figure === 'warm getToken'
          ? { floor: compare(arms, 'floor', 'getToken', true) }
          : Object.fromEntries(
              Object.entries(clientPairs).map(([name, [baseline, subject]]) => [
                name,
                compare(arms, baseline, subject, false),
              ]),
            )
    }
    return results
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
