/**
 * The rows of the bench's table: one per figure, each a same-run ratio with its spread, its target and
 * whether the target is met. Shared by the console table, results.json and the charts.
 */
import type { AllocationComparison } from './heap-allocation.js'
import type { InstructionComparison } from './instructions.js'
import type { Comparison } from './interleave.js'
import { round } from './statistics.js'

export interface Row {
  /** The section that measured it (`--only=` names), which also picks the chart it goes into. */
  section: string
  figure: string
  ratio: number
  p25: number
  p75: number
  /** The same ratio by the wall clock (noisier under load; not what the target is judged on). */
  wallRatio?: number
  wallP25?: number
  wallP75?: number
  /** `≥ 0.95`, `≤ 1.1`, or `none` where the issue sets no target (reported for context). */
  target: string
  /** null where there is no target. */
  met: boolean | null
  detail: string
}

/** Whether `ratio` meets `target` (`≥ x` or `≤ x`); null for `none`. */
export function judge(target: string, ratio: number): boolean | null {
  const match = /^([≤≥])\s*([\d.]+)$/.exec(target)
  if (match === null) return null
  const limit = Number(match[2])
  return match[1] === '≥' ? ratio >= limit : ratio <= limit
}

const range = (spread: { p25: number; p75: number }) => `${spread.p25.toFixed(2)}–${spread.p75.toFixed(2)}`

/** A CPU-time figure (judged) with its wall-clock twin (context). */
export function comparisonRow(section: string, figure: string, comparison: Comparison, target: string): Row {
  const { cpu, wall, unit } = comparison
  return {
    section,
    figure,
    ratio: round(cpu.ratio.median),
    p25: round(cpu.ratio.p25),
    p75: round(cpu.ratio.p75),
    wallRatio: round(wall.ratio.median),
    wallP25: round(wall.ratio.p25),
    wallP75: round(wall.ratio.p75),
    target,
    met: judge(target, cpu.ratio.median),
    detail: [
      `CPU: baseline ${round(cpu.baseline.median, 3)} vs ${round(cpu.subject.median, 3)} ${unit}`,
      `wall: ${round(wall.baseline.median, 3)} vs ${round(wall.subject.median, 3)}, ratio ${wall.ratio.median.toFixed(3)} (${range(wall.ratio)})`,
      `medians of ${cpu.ratio.samples} rounds`,
    ].join('; '),
  }
}

/** A heap-bytes-per-call figure. */
export function allocationRow(figure: string, comparison: AllocationComparison, target: string): Row {
  const { ratio, baseline, subject, discarded } = comparison
  return {
    section: 'alloc',
    figure,
    ratio: round(ratio.median),
    p25: round(ratio.p25),
    p75: round(ratio.p75),
    target,
    met: judge(target, ratio.median),
    detail: [
      `heap bytes per call: baseline ${Math.round(baseline.median)} vs ${Math.round(subject.median)}`,
      `medians of ${ratio.samples} rounds, ${discarded} rounds rerun after a GC ran in them`,
    ].join('; '),
  }
}

/** An instructions-per-call figure (interpreter tier, see instructions.ts). */
export function instructionRow(figure: string, comparison: InstructionComparison, target: string): Row {
  const { ratio, baselinePerCall, subjectPerCall } = comparison
  return {
    section: 'instructions',
    figure,
    ratio: round(ratio.median, 4),
    p25: round(ratio.p25, 4),
    p75: round(ratio.p75, 4),
    target,
    met: judge(target, ratio.median),
    detail: [
      `instructions per call: baseline ${Math.round(baselinePerCall)} vs ${Math.round(subjectPerCall)}`,
      `medians of ${ratio.samples} rounds, one process per arm`,
    ].join('; '),
  }
}

/** A figure that is a single number, not a spread (sizes against a budget). */
export function valueRow(
  section: string,
  figure: string,
  ratio: number,
  target: string,
  detail: string,
): Row {
  return {
    section,
    figure,
    ratio: round(ratio),
    p25: round(ratio),
    p75: round(ratio),
    target,
    met: judge(target, ratio),
    detail,
  }
}

export function printRows(rows: readonly Row[]): void {
  const width = Math.max(52, ...rows.map((row) => row.figure.length))
  console.log(
    `${'figure'.padEnd(width)} ${'median'.padStart(10)} ${'p25–p75'.padStart(11)} ${'wall'.padStart(6)}  target  met`,
  )
  for (const row of rows) {
    const met = row.met === null ? '–' : row.met ? 'yes' : 'NO'
    const wall = row.wallRatio === undefined ? '' : row.wallRatio.toFixed(3)
    console.log(
      `${row.figure.padEnd(width)} ${row.ratio.toFixed(3).padStart(10)} ${range(row).padStart(11)} ${wall.padStart(6)}  ${row.target.padEnd(6)}  ${met}`,
    )
    console.log(`  ${row.detail}`)
  }
}
