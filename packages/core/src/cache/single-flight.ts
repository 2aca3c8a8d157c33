import { abortable } from '../common/abortable.js'
import { NebiusAuthError } from '../common/errors.js'
import type { AccessToken } from '../common/types.js'
import { unrefTimer } from '../common/timers.js'
import { maximumTimerDelay } from './refresh-timer.js'

/*
 * One call of the token source at a time, shared by every caller that needs a token meanwhile. The cache's
 * state (cache-state.ts) says which flight is running; this file starts flights, ends them and lets
 * callers wait for them.
 */

/** One call of the token source, from its start to its outcome or to being given up. */
export interface Flight {
  /** Increases with every flight a cache starts, so a late older result can be recognised. */
  readonly generation: number
  /** Aborted when the flight is given up: past its deadline or when the cache closes. */
  readonly controller: AbortController
  /** Resolves (never rejects) once the outcome is recorded or the flight is given up. */
  readonly settled: Promise<void>
  readonly settle: () => void
  deadline: ReturnType<typeof setTimeout> | undefined
}

/**
 * A flight that has not called its source yet: the cache records it as running first, so that anything
 * the start sets off (an event listener calling `getToken`) finds it and waits for it.
 *
 * @example
 * ```ts
 * const flight = createFlight(++generations)
 * ```
 */
export function createFlight(generation: number): Flight {
  let settle: () => void = () => undefined
  const settled = new Promise<void>((resolve) => (settle = resolve))
  return { generation, controller: new AbortController(), settled, settle, deadline: undefined }
}

/**
 * Calls `source` for `flight` and hands its outcome to `onValue` or `onError`. Past `timeout` ms (unless
 * `Infinity`), `onError` gets a transient `ERR_REFRESH_TIMEOUT` at once and then the source's signal aborts
 * with it; the source's own late outcome still arrives, and the cache ignores what it must.
 *
 * @example
 * ```ts
 * runFlight(flight, fetchToken, 60_000, (value) => succeed(value), (error) => fail(error))
 * ```
 */
export function runFlight(
  flight: Flight,
  source: (signal: AbortSignal) => Promise<AccessToken>,
  timeout: number,
  onValue: (value: unknown) => void,
  onError: (error: unknown) => void,
): void {
  if (timeout !== Infinity) {
    flight.deadline = setTimeout(
      () => {
        const error = new NebiusAuthError('ERR_REFRESH_TIMEOUT', `fetchToken took over ${timeout} ms`, {
          transient: true,
        })
        onError(error)
        flight.controller.abort(error)
      },
      Math.min(timeout, maximumTimerDelay),
    )
    // A hung source must not keep the process alive; a caller who waits is kept alive by waitFor.
    unrefTimer(flight.deadline)
  }
  // The executor turns a synchronous throw from the source into a rejection.
  new Promise<AccessToken>((resolve) => {
    resolve(source(flight.controller.signal))
  }).then(onValue, onError)
}

/**
 * Ends a flight once its outcome is recorded or it is given up: its deadline stops and its waiters go on.
 * Ending a flight twice does nothing more.
 *
 * @example
 * ```ts
 * endFlight(flight)
 * ```
 */
export function endFlight(flight: Flight): void {
  clearTimeout(flight.deadline)
  flight.settle()
}

/** The callers of one cache waiting for a flight, and the timer that keeps the process alive meanwhile. */
export interface Waiters {
  count: number
  keepAlive: ReturnType<typeof setTimeout> | undefined
}

/**
 * Waits for `flight` to end, then returns `outcome()`: what the flight left behind. Every timer of a flight
 * is unref'd, so background work never keeps the process alive; a caller who waits is another matter. Like
 * any pending request it must keep the process alive, or `await provider.getToken()` would end a script
 * mid-retry: the first waiter starts a ref'd timer, the last one to go clears it. The caller's `signal`
 * ends only this caller's wait; the shared flight carries on for the others.
 *
 * @example
 * ```ts
 * return waitFor(waiters, flight, () => tokenLeftBehind(), options.signal)
 * ```
 */
export function waitFor<T>(
  waiters: Waiters,
  flight: Flight,
  outcome: () => T,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (waiters.count++ === 0) waiters.keepAlive = setTimeout(() => undefined, maximumTimerDelay)
  return abortable(flight.settled.then(outcome), signal).finally(() => {
    if (--waiters.count === 0) clearTimeout(waiters.keepAlive)
  })
}
