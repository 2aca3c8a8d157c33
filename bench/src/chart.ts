/**
 * The per-adapter ratios as an SVG bar chart (docs/performance-adapters.svg): for each client, the adapter
 * against the bare client and against a hand-written interceptor, CPU-time medians with their p25–p75
 * spread as whiskers, and the two targets as dashed lines. Plain SVG text, no dependency.
 */

/** One bar: a figure's label, its CPU median and spread, and its target. */
export interface ChartRow {
  figure: string
  ratio: number
  p25: number
  p75: number
  target: string
}

const width = 720
const barHeight = 18
const gap = 8
const left = 300
const plotWidth = width - left - 40
// The axis runs from 0.5 to 1.1: every ratio seen so far, with the targets near the right.
const minimum = 0.5
const maximum = 1.1

const x = (ratio: number): number =>
  left + ((Math.min(Math.max(ratio, minimum), maximum) - minimum) / (maximum - minimum)) * plotWidth

const escape = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;')

/**
 * Renders `rows` as an SVG document.
 *
 * @example
 * ```ts
 * writeFileSync('docs/performance-adapters.svg', adapterChart(rows))
 * ```
 */
export function adapterChart(rows: readonly ChartRow[]): string {
  const top = 40
  const height = top + rows.length * (barHeight + gap) + 40
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="20" font-size="13">Adapter throughput ratios (CPU-time medians, p25–p75 whiskers)</text>`,
  ]
  for (const [index, row] of rows.entries()) {
    const y = top + index * (barHeight + gap)
    const target = Number(/[\d.]+/.exec(row.target)?.[0] ?? Number.NaN)
    const met = row.ratio >= target
    parts.push(
      `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(row.figure.replace(' (requests/s)', ''))}</text>`,
      `<rect x="${x(minimum)}" y="${y}" width="${x(row.ratio) - x(minimum)}" height="${barHeight}" fill="${met ? '#4c9a5a' : '#c8743a'}"/>`,
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
  for (const tick of [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]) {
    parts.push(
      `<line x1="${x(tick)}" x2="${x(tick)}" y1="${axisY - 4}" y2="${axisY}" stroke="black"/>`,
      `<text x="${x(tick)}" y="${axisY + 14}" text-anchor="middle">${tick.toFixed(1)}</text>`,
    )
  }
  parts.push(
    `<line x1="${x(minimum)}" x2="${x(maximum)}" y1="${axisY - 4}" y2="${axisY - 4}" stroke="black"/>`,
    '</svg>',
    '',
  )
  return parts.join('\n')
}
