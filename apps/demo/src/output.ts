/**
 * Everything the demo prints goes through one Console, which keeps a copy so the demo can prove, before
 * it exits, that no raw token ever reached its output.
 */
export interface DemoConsole {
  line(text?: string): void
  /** Lines printed so far (for the final secret scan). */
  readonly printed: readonly string[]
}

export function createConsole(
  write: (text: string) => void = (text) => process.stdout.write(text),
): DemoConsole {
  const printed: string[] = []
  return {
    printed,
    line(text = '') {
      printed.push(text)
      write(`${text}\n`)
    },
  }
}

/** Left-aligned columns, widths from the longest cell, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = []
  for (const row of rows)
    row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)))
  return rows.map((row) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd(),
  )
}

/** A step's verdict, printed as one line and remembered for the exit status. */
export interface Check {
  name: string
  ok: boolean
  detail: string
}

export function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`
}
