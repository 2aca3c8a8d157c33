/**
 * Interleaved A/B measurement. The machines this runs on are shared and noisy, so no absolute time is
 * meaningful: each round measures the baseline and the subject back to back (alternating which goes
 * first), and the figure is the per-round ratio, summarised by its median and spread.
 *
 * Every sample is taken twice over: in wall-clock time and in this process's CPU time
 * (`process.cpuUsage()`, user + system). On a loaded machine the wall clock also counts the time the
 * scheduler gave to other processes, in bursts that land on one arm or the other; CPU time counts only
 * the work done here, which is what a library adds. Both are reported; the targets are judged on CPU time.
 */
import { spread, type Spread } from './statistics.js'

/** One sample of one arm, in the comparison's unit, by the wall clock and by this process's CPU time. */
export interface Measurement {
  wall: number
  cpu: number
}

export interface Side {
  /** subject ÷ baseline per round: for latencies > 1 means the subject is slower, for rates faster. */
  ratio: Spread
  baseline: Spread
  subject: Spread
}

export interface Comparison {
  cpu: Side
  wall: Side
  unit: string
}

export interface InterleaveOptions {
  /** Rounds that count. */
  rounds: number
  /** Leading rounds run and discarded, so JIT tiers and connection pools settle in both arms. */
  warmupRounds?: number
  unit: string
}

/** Wall and CPU milliseconds that `operation` took. */
export async function timed(operation: () => unknown): Promise<Measurement> {
  const cpuBefore = process.cpuUsage()
  const begin = process.hrtime.bigint()
  await operation()
  const wall = Number(process.hrtime.bigint() - begin) / 1e6
  const { user, system } = process.cpuUsage(cpuBefore)
  return { wall, cpu: (user + system) / 1e3 }
}

function sides(baseline: Measurement[], subject: Measurement[]): Omit<Comparison, 'unit'> {
  const side = (key: keyof Measurement): Side => ({
    ratio: spread(subject.map((own, index) => own[key] / (baseline[index]?.[key] ?? Number.NaN))),
    baseline: spread(baseline.map((sample) => sample[key])),
    subject: spread(subject.map((sample) => sample[key])),
  })
  return { cpu: side('cpu'), wall: side('wall') }
}

/** Runs `measureBaseline` and `measureSubject` alternately, round after round, and compares them. */
export async function interleave(
  options: InterleaveOptions,
  measureBaseline: () => Promise<Measurement>,
  measureSubject: () => Promise<Measurement>,
): Promise<Comparison> {
  const { rounds, warmupRounds = 1, unit } = options
  const baseline: Measurement[] = []
  const subject: Measurement[] = []
  for (let index = 0; index < warmupRounds + rounds; index += 1) {
    let base: Measurement
    let own: Measurement
    if (index % 2 === 0) {
      base = await measureBaseline()
      own = await measureSubject()
    } else {
      own = await measureSubject()
      base = await measureBaseline()
    }
    if (index < warmupRounds) continue
    baseline.push(base)
    subject.push(own)
  }
  return { ...sides(baseline, subject), unit }
}

/**
 * Runs `total` calls of `operation` from `workers` concurrent callers, each starting the next call as its
 * last one ends: the load shape of a client serving many requests at once.
 */
export async function concurrently(
  workers: number,
  total: number,
  operation: () => Promise<unknown>,
): Promise<void> {
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < total) {
      started += 1
      await operation()
    }
  }
  await Promise.all(Array.from({ length: workers }, worker))
}

/**
 * Mean time in microseconds of `calls` sequential awaited calls of `operation`, timed as one batch: for
 * sub-microsecond operations a clock read per call would cost more than the call.
 */
export async function batchMicroseconds(operation: () => unknown, calls: number): Promise<Measurement> {
  const { wall, cpu } = await timed(async () => {
    for (let index = 0; index < calls; index += 1) await operation()
  })
  return { wall: (wall * 1e3) / calls, cpu: (cpu * 1e3) / calls }
}

/**
 * For operations of a millisecond or more: each round runs `callsPerRound` pairs, alternating the arm
 * that goes first, and sums each arm's time (reported in ms per call). Alternating call by call keeps
 * the two arms under the same load far better than alternating whole batches.
 */
export async function pairedCalls(
  options: InterleaveOptions & { callsPerRound: number },
  baselineOperation: () => unknown,
  subjectOperation: () => unknown,
): Promise<Comparison> {
  const { rounds, warmupRounds = 1, unit, callsPerRound } = options
  const baseline: Measurement[] = []
  const subject: Measurement[] = []
  const add = (total: Measurement, sample: Measurement): void => {
    total.wall += sample.wall / callsPerRound
    total.cpu += sample.cpu / callsPerRound
  }
  let call = 0
  for (let index = 0; index < warmupRounds + rounds; index += 1) {
    const base = { wall: 0, cpu: 0 }
    const own = { wall: 0, cpu: 0 }
    for (let pair = 0; pair < callsPerRound; pair += 1, call += 1) {
      if (call % 2 === 0) {
        add(base, await timed(baselineOperation))
        add(own, await timed(subjectOperation))
      } else {
        add(own, await timed(subjectOperation))
        add(base, await timed(baselineOperation))
      }
    }
    if (index < warmupRounds) continue
    baseline.push(base)
    subject.push(own)
  }
  return { ...sides(baseline, subject), unit }
}
