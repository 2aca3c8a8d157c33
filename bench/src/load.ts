/**
 * The load rule: figures are only worth publishing from a quiet machine. The bench samples the load
 * averages at the start, around every section and at the end, and refuses to start when the 1-minute load
 * is above 1.5 per core (unless told `--allow-load`, which marks the results as taken under load).
 */
import { availableParallelism, loadavg } from 'node:os'

/** Above this 1-minute load per core, other work takes enough of the CPUs to move the figures. */
export const loadLimitPerCore = 1.5

/** One reading of the load averages, and the 1-minute one divided by the cores. */
export interface LoadSample {
  at: string
  oneMinute: number
  fiveMinutes: number
  fifteenMinutes: number
  perCore: number
  exceeded: boolean
}

const cores = availableParallelism()

export function sampleLoad(at: string): LoadSample {
  const [oneMinute = 0, fiveMinutes = 0, fifteenMinutes = 0] = loadavg().map(
    (value) => Math.round(value * 100) / 100,
  )
  const perCore = Math.round((oneMinute / cores) * 100) / 100
  return { at, oneMinute, fiveMinutes, fifteenMinutes, perCore, exceeded: perCore > loadLimitPerCore }
}

export function describeLoad(sample: LoadSample): string {
  return `load ${sample.oneMinute} ${sample.fiveMinutes} ${sample.fifteenMinutes} (${sample.perCore} per core of ${cores})`
}

/** A banner that cannot be missed in a scrolling log. */
export function loadWarning(sample: LoadSample): string {
  const line = '!'.repeat(78)
  return [
    line,
    `!! ${sample.at}: the 1-minute load is ${sample.oneMinute} on ${cores} cores, ${sample.perCore} per core,`,
    `!! above the ${loadLimitPerCore} per core the figures need. CPU ratios on a machine this busy`,
    `!! spread wide and can move the verdicts.`,
    line,
  ].join('\n')
}

/** What results.json records about the load: every sample, and whether the rule held. */
export interface LoadRecord {
  limitPerCore: number
  cores: number
  /** `--allow-load` or `--smoke`: the run went on above the limit. */
  allowed: boolean
  /** Whether any sample was above the limit. */
  exceeded: boolean
  samples: LoadSample[]
}

export function loadRecord(samples: LoadSample[], allowed: boolean): LoadRecord {
  return {
    limitPerCore: loadLimitPerCore,
    cores,
    allowed,
    exceeded: samples.some((sample) => sample.exceeded),
    samples,
  }
}
