/**
 * Interleaved A/B measurement. The machines this runs on are shared and noisy, so no absolute time is
 * meaningful: each round measures the baseline and the subject back to back (alternating which goes
 * first), and the figure is the per-round ratio, summarised by its median and spread.
 */
import { Bench } from 'tinybench'
import { spread, type Spread } from './statistics.js'

export interface Comparison {
  /** subject ÷ baseline per round: for latencies, > 1 means the subject is slower. */
  ratio: Spread
  baseline: Spread
  subject: Spread
  unit: string
}

/** Runs `measure(baseline)` and `measure(subject)` alternately for `rounds` rounds and compares them. */
export async function interleave(
  rounds: number,
  measureBaseline: () => Promise<number>,
  measureSubject: () => Promise<number>,
  unit: string,
): Promise<Comparison> {
  const baseline: number[] = []
  const subject: number[] = []
  const ratios: number[] = []
  for (let index = 0; index < rounds; index += 1) {
    let base: number
    let own: number
    if (index % 2 === 0) {
      base = await measureBaseline()
      own = await measureSubject()
    } else {
      own = await measureSubject()
      base = await measureBaseline()
    }
    baseline.push(base)
    subject.push(own)
    ratios.push(own / base)
  }
  return { ratio: spread(ratios), baseline: spread(baseline), subject: spread(subject), unit }
}

/** Mean latency in microseconds of `fn`, measured by tinybench for about `time` ms. */
export async function latencyMicroseconds(fn: () => unknown, time: number): Promise<number> {
  const bench = new Bench({ time, warmupTime: Math.max(10, time / 5) })
  bench.add('task', fn)
  await bench.run()
  const task = bench.tasks[0]
  const result = task?.result
  if (result?.state !== 'completed') throw new Error(`benchmark task did not complete: ${String(result?.state)}`)
  return result.latency.mean * 1000
}
