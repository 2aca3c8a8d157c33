import { unrefTimer } from '../common/timers.js'

/** Node turns a longer setTimeout delay into 1 ms (with a warning), so longer waits are chained instead. */
export const maximumTimerDelay = 2 ** 31 - 1

/**
 * The token cache's one background timer. It never keeps the process alive: a cache must never be the
 * reason a finished program keeps running.
 */
export interface RefreshTimer {
  /**
   * Wakes the cache at `time` (epoch ms), replacing any earlier setting. A time further away than the
   * longest timer allows wakes it early, and the cache sets the timer again.
   */
  set(time: number): void
  /** Cancels the pending wake-up, if any. */
  clear(): void
}

/**
 * Creates the timer of one cache; `wake` runs when it fires.
 *
 * @example
 * ```ts
 * const timer = refreshTimer(Date.now, () => startRefresh())
 * timer.set(held.refreshAt)
 * ```
 */
export function refreshTimer(now: () => number, wake: () => void): RefreshTimer {
  let timer: ReturnType<typeof setTimeout> | undefined
  const fire = (): void => {
    timer = undefined
    wake()
  }
  return {
    set(time) {
      if (timer !== undefined) clearTimeout(timer)
      timer = setTimeout(fire, Math.min(Math.max(time - now(), 0), maximumTimerDelay))
      unrefTimer(timer)
    },
    clear() {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
  }
}
