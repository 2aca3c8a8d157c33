import type { AccessToken } from '../common/types.js'
import type { Flight } from './single-flight.js'

/*
 * The token cache's states and every transition between them, as plain data and pure functions. The
 * cache itself (token-cache.ts) decides which transition an event or a caller sets off and carries out
 * the effects: timers, events, the token source.
 *
 *   empty | fresh | stale | failing --start-->  refreshing   a caller needs a token, or the refresh point
 *                                                            (fresh) or retry time (stale, failing) passed
 *   refreshing --token-->   fresh                            the running flight delivered
 *   refreshing --failure--> stale | failing                  it failed or timed out; a token held | none
 *   fresh --drop--> empty, stale --drop--> failing,          the token expired or the server rejected it
 *   refreshing --drop--> refreshing (no token)
 *   empty | fresh | stale | failing --token--> fresh         a given-up flight delivered late; while a
 *   refreshing --token--> refreshing (that token held)       newer flight runs, the state stays refreshing
 *   any but closed --close--> closed                         closed takes no further transition
 */

/** A token the cache holds, with the points of its life the cache acts on. */
export interface Held {
  readonly token: AccessToken
  /** `token` as a settled promise, handed to every caller, so a warm call allocates nothing. */
  readonly served: Promise<AccessToken>
  /** From here on a background refresh runs while the token is still served. */
  readonly refreshAt: number
  /** From here on callers wait for the refresh instead, unless it is failing. */
  readonly marginAt: number
}

/** The last flight failed. Until `retryAt` no caller starts another; the timer retries a held token then. */
export interface Failure {
  readonly error: Error
  readonly retryAt: number
  /** Consecutive failed flights, this one included; the next backoff grows with it. */
  readonly count: number
}

/** No token and no failure to report: the next caller starts a flight. */
export interface Empty {
  readonly name: 'empty'
  readonly held: undefined
  readonly failure: undefined
  readonly flight: undefined
}

/** A token whose refresh is not failing; past its refresh point only until the timer or a caller starts it. */
export interface Fresh {
  readonly name: 'fresh'
  readonly held: Held
  readonly failure: undefined
  readonly flight: undefined
}

/** A flight is running; what was held and what failed before it stay until it ends. */
export interface Refreshing {
  readonly name: 'refreshing'
  readonly held: Held | undefined
  readonly failure: Failure | undefined
  readonly flight: Flight
}

/** A token whose refresh failed: served until it expires, retried from `failure.retryAt`. */
export interface Stale {
  readonly name: 'stale'
  readonly held: Held
  readonly failure: Failure
  readonly flight: undefined
}

/** No token, and the last flight failed: callers get its error until `failure.retryAt`. */
export interface Failing {
  readonly name: 'failing'
  readonly held: undefined
  readonly failure: Failure
  readonly flight: undefined
}

/** `close()` was called: nothing is held, nothing runs, every caller is refused. */
export interface Closed {
  readonly name: 'closed'
  readonly held: undefined
  readonly failure: undefined
  readonly flight: undefined
}

/**
 * The state of one token cache. Every state has the same four fields (in the same order, so the warm path
 * reads `held` from objects of one shape); `name` says which of them are set.
 */
export type CacheState = Empty | Fresh | Refreshing | Stale | Failing | Closed

/** The states a flight may start from. */
export type Idle = Empty | Fresh | Stale | Failing

/** Where every cache starts. */
export const empty: Empty = { name: 'empty', held: undefined, failure: undefined, flight: undefined }

/** close: where every cache ends, from any other state; `succeeded` and `dropped` leave it as it is. */
export const closed: Closed = { name: 'closed', held: undefined, failure: undefined, flight: undefined }

/**
 * Takes a token the source delivered: it is refreshed once `refreshRatio` of its lifetime since
 * `obtainedAt` has passed, and callers stop taking it `expiryMargin` before it expires, a margin kept
 * within half of the time between the refresh point and expiry so that short-lived tokens are still served.
 *
 * @example
 * ```ts
 * heldToken({ token, expiresAt: 100_000 }, 0, 0.9, 10_000) // refreshAt 90000, marginAt 95000
 * ```
 */
export function heldToken(
  token: AccessToken,
  obtainedAt: number,
  refreshRatio: number,
  expiryMargin: number,
): Held {
  const refreshAt = obtainedAt + (token.expiresAt - obtainedAt) * refreshRatio
  const marginAt = token.expiresAt - Math.min(expiryMargin, Math.max(token.expiresAt - refreshAt, 0) / 2)
  return { token, served: Promise.resolve(token), refreshAt, marginAt }
}

/**
 * start: `flight` begins, keeping what was held and what failed.
 *
 * @example
 * ```ts
 * const state = started(empty, flight) // { name: 'refreshing', flight, … }
 * ```
 */
export function started(state: Idle, flight: Flight): Refreshing {
  return { name: 'refreshing', held: state.held, failure: state.failure, flight }
}

/**
 * token: `flight` delivered `held`; failures are forgotten. The running flight's token makes the state
 * fresh. A flight given up earlier may still deliver (the cache checks that no newer token was taken
 * since); while a newer flight runs, the state stays refreshing, with the late token held.
 *
 * @example
 * ```ts
 * succeeded(started(empty, flight), flight, held).name // 'fresh'
 * ```
 */
export function succeeded(state: CacheState, flight: Flight, held: Held): CacheState {
  if (state.name === 'closed') return state
  if (state.name === 'refreshing' && state.flight !== flight) {
    return { name: 'refreshing', held, failure: undefined, flight: state.flight }
  }
  return { name: 'fresh', held, failure: undefined, flight: undefined }
}

/**
 * failure: the running flight failed at `time` with `error`. The retry time is `time` plus
 * `delay(attempt)`, where `attempt` counts the failures before this one.
 *
 * @example
 * ```ts
 * failed(started(empty, flight), error, 0, () => 1000) // { name: 'failing', failure: { retryAt: 1000, count: 1, … } }
 * ```
 */
export function failed(
  state: Refreshing,
  error: Error,
  time: number,
  delay: (attempt: number) => number,
): Stale | Failing {
  const count = state.failure?.count ?? 0
  const failure: Failure = { error, retryAt: time + delay(count), count: count + 1 }
  return state.held === undefined
    ? { name: 'failing', held: undefined, failure, flight: undefined }
    : { name: 'stale', held: state.held, failure, flight: undefined }
}

/**
 * drop: the held token expired or the server rejected it. A failure stays, and so does a running flight.
 *
 * @example
 * ```ts
 * dropped(stale).name // 'failing'
 * ```
 */
export function dropped(state: CacheState): CacheState {
  switch (state.name) {
    case 'fresh':
      return empty
    case 'stale':
      return { name: 'failing', held: undefined, failure: state.failure, flight: undefined }
    case 'refreshing':
      return state.held === undefined
        ? state
        : { name: 'refreshing', held: undefined, failure: state.failure, flight: state.flight }
    default:
      return state
  }
}

/**
 * When the refresh timer must wake once `state` is entered: at the refresh point of a fresh token; at the
 * retry time of a stale one, or at its expiry if that comes first, to drop it. Other states have nothing to
 * wait for: a running flight's end enters the next state, and without a token callers drive the retries.
 *
 * @example
 * ```ts
 * wakeAt(succeeded(state, flight, held)) // held.refreshAt
 * ```
 */
export function wakeAt(state: CacheState): number | undefined {
  if (state.name === 'fresh') return state.held.refreshAt
  if (state.name === 'stale') return Math.min(state.failure.retryAt, state.held.token.expiresAt)
  return undefined
}
