/**
 * Figures as an SVG bar chart: one bar per figure at its median, the p25–p75 spread as a whisker, the
 * figure's target as a dashed line, green where the target is met. run.ts draws two: the throughput of
 * the HTTP and gRPC adapters (docs/performance-adapters.svg) and their heap bytes per call
 * (docs/performance-allocation.svg). Plain SVG text, no dependency.
 */
import { judge } from './report.js'

/** One bar: a figure's label, its median and spread, and its target (`≥ x`, `≤ x` or `none`). */
export interface ChartRow {
  figure: string
  ratio: number
  p25: number
  p75: number
  target: string
}

const width = 760
const barHeight = 18
const gap = 8
const left = 380
const plotWidth = width - left - 40

const escape = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;')
const targetOf = (row: ChartRow): number => Number(/[\d.]+/.exec(row.target)?.[0] ?? Number.NaN)

/** An axis from 0.5 to 1.1 at least (where the targets sit), widened to whatever the figures reach. */
function axis(rows: readonly ChartRow[]): { minimum: number; maximum: number; step: number } {
  const values = rows.flatMap((row) => [row.p25, row.p75, row.ratio, targetOf(row)]).filter(Number.isFinite)
  const minimum = Math.max(0, Math.min(0.5, Math.floor(Math.min(...values) * 10) / 10))
  const maximum = Math.max(1.1, Math.ceil(Math.max(...values) * 10) / 10)
  return { minimum, maximum, step: maximum - minimum > 1.2 ? 0.25 : 0.1 }
}

/**
 * Renders `rows` as an SVG document under `title`.
 *
 * @example
 * ```ts
 * writeFileSync('docs/performance-adapters.svg', ratioChart('Adapter throughput ratios', rows))
 * ```
 */
export function ratioChart(title: string, rows: readonly ChartRow[]): string {
  const { minimum, maximum, step } = axis(rows)
  const x = (ratio: number): number =>
    left + ((Math.min(Math.max(ratio, minimum), maximum) - minimum) / (maximum - minimum)) * plotWidth
  const top = 40
  const height = top + rows.length * (barHeight + gap) + 40
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="20" font-size="13">${escape(title)}</text>`,
  ]
  for (const [index, row] of rows.entries()) {
    const y = top + index * (barHeight + gap)
    const target = targetOf(row)
    parts.push(
      `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(row.figure.replace(/ \([^)]*\/s\)$/, ''))}</text>`,
      `<rect x="${x(minimum)}" y="${y}" width="${x(row.ratio) - x(minimum)}" height="${barHeight}" fill="${judge(row.target, row.ratio) === false ? '#c8743a' : '#4c9a5a'}"/>`,
      `<line x1="${x(row.p25)}" x2="${x(row.p75)}" y1="${y + barHeight / 2}" y2="${y + barHeight / 2}" stroke="black"/>`,
      `<text x="${x(row.ratio) + 4}" y="${y + 13}">${row.ratio.toFixed(3)}</text>`,
    )
    if (Number.isFinite(target)) {
      parts.push(
        `<line x1="${x(target)}" x2="${x(target)}" y1="${y - 2}" y2="${y + barHeight + 2}" stroke="black" stroke-dasharray="3,2"/>`,
      )
    }
  }
  const axisY = top + rows.length * (barHeight + gap) + 10
  for (let tick = Math.ceil(minimum / step) * step; tick <= maximum + 1e-9; tick += step) {
    parts.push(
      `<line x1="${x(tick)}" x2="${x(tick)}" y1="${axisY - 4}" y2="${axisY}" stroke="black"/>`,
      `<text x="${x(tick)}" y="${axisY + 14}" text-anchor="middle">${tick.toFixed(step < 0.25 ? 1 : 2)}</text>`,
    )
  }
  parts.push(
    `<line x1="${x(minimum)}" x2="${x(maximum)}" y1="${axisY - 4}" y2="${axisY - 4}" stroke="black"/>`,
    '</svg>',
    '',
  )
  return parts.join('\n')
}
