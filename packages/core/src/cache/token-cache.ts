import { markHonoursSignal } from '../common/abortable.js'
import { NebiusAuthError, providerClosedError, type NebiusAuthErrorCode } from '../common/errors.js'
import type { NebiusAuthEvent } from '../common/events.js'
import { emitEvent } from '../runtime/emit-event.js'
import { forgetRedaction } from '../common/redaction-memo.js'
import { backoffDelay } from '../common/retry-policy.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'
import { resolveCacheOptions, type CacheOptions, type ResolvedCacheOptions } from './cache-options.js'
import {
  closed,
  dropped,
  empty,
  failed,
  heldToken,
  started,
  succeeded,
  wakeAt,
  type CacheState,
  type Held,
  type Idle,
} from './cache-state.js'
import { refreshTimer, type RefreshTimer } from './refresh-timer.js'
import { createFlight, endFlight, runFlight, waitFor, type Flight, type Waiters } from './single-flight.js'
import { obtainedAtOf, storeExchange } from './store-exchange.js'
import { validateToken } from './token-validation.js'

export type { CacheOptions } from './cache-options.js'

type RefreshReason = Extract<NebiusAuthEvent, { type: 'refresh-started' }>['reason']
type TokenSource = (signal: AbortSignal) => Promise<AccessToken>

/** Everything one cached provider keeps. Its state machine is `state` (cache-state.ts); the rest serves it. */
interface Cache {
  readonly options: ResolvedCacheOptions
  /** Sends an event; every event says which provider sent it, when it has a name. */
  readonly emit: (event: NebiusAuthEvent) => void
  /** `fetchToken`, or with a store, `fetchToken` behind the store's read, lease and write-back. */
  readonly source: TokenSource
  /** Whether `source` goes through a store, whose tokens say when their own exchange started. */
  readonly shared: boolean
  readonly timer: RefreshTimer
  readonly waiters: Waiters
  /** Tokens refused by the server, with their expiry, so a source returning one again is not believed. */
  readonly rejectedTokens: Map<string, number>
  state: CacheState
  /** Flights started so far: the generation of the latest. */
  flights: number
  /** The generation of the flight whose token was taken last; 0 before the first token. */
  installed: number
  /** Whether the current failure was reported as `stale-token-served` already: once per failed attempt. */
  staleReported: boolean
}

/**
 * Wraps a token source in an expiry-aware cache: one exchange at a time, background refresh once
 * `refreshRatio` of the lifetime has passed, backoff with jitter after failures, compare-and-refresh for
 * tokens the server rejected, per-caller abort. The rules: the package README, "Refresh rules".
 *
 * @param fetchToken - Obtains a new token. Its signal is aborted when the provider closes or the attempt
 *   exceeds `refreshTimeout`. `expiresAt` must come from the clock read before the request was sent.
 * @returns A provider whose `close()` stops its timers, aborts a running exchange, forgets the token and
 *   makes later `getToken` calls reject with `ERR_PROVIDER_CLOSED`.
 * @example
 * ```ts
 * const provider = cachedProvider(async (signal) => {
 *   const assertion = await signAssertion(key)
 *   return exchangeToken(assertion, { signal })
 * })
 * const { token } = await provider.getToken()
 * provider.close()
 * ```
 */
export function cachedProvider(
  fetchToken: (signal: AbortSignal) => Promise<AccessToken>,
  options?: CacheOptions,
): TokenProvider & { close(): void; peek(): AccessToken | undefined } {
  if (typeof fetchToken !== 'function') throw new TypeError('fetchToken must be a function')
  const resolved = resolveCacheOptions(options)
  const { now, onEvent, name } = resolved
  // Neither the very token being replaced nor one the server refused may come back from a store.
  const source = tokenSource(fetchToken, resolved, (token) => {
    return token !== cache.state.held?.token.token && !cache.rejectedTokens.has(token)
  })
  const cache: Cache = {
    options: resolved,
    emit: (event) => {
      emitEvent(onEvent, name === undefined ? event : { ...event, provider: name })
    },
    source,
    shared: source !== fetchToken,
    timer: refreshTimer(now, () => {
      onTimer(cache)
    }),
    waiters: { count: 0, keepAlive: undefined },
    rejectedTokens: new Map(),
    state: empty,
    flights: 0,
    installed: 0,
    staleReported: false,
  }

  // Every path of getToken settles at once on an abort (see getTokenSlowly and waitFor), so adapters may
  // skip their own abortable() wrapper around it.
  return markHonoursSignal({
    getToken(options?: GetTokenOptions): Promise<AccessToken> {
      // The hot path: a fresh token goes out as the same resolved promise, with no allocation at all.
      const { held } = cache.state
      if (
        held !== undefined &&
        (options === undefined || (options.rejected === undefined && options.signal?.aborted !== true)) &&
        now() < held.refreshAt
      ) {
        return held.served
      }
      return getTokenSlowly(cache, options)
    },
    // The same test as getToken's hot path, without the promise: a token due for refresh is not offered,
    // so the caller's getToken() starts that refresh.
    peek(): AccessToken | undefined {
      const { held } = cache.state
      return held !== undefined && now() < held.refreshAt ? held.token : undefined
    },
    close(): void {
      closeCache(cache)
    },
  })
}

/** With a store, every exchange goes through it; without one, fetchToken is called as it always was. */
function tokenSource(
  fetchToken: TokenSource,
  options: ResolvedCacheOptions,
  isUsable: (token: string) => boolean,
): TokenSource {
  const { store, storeKey } = options
  if (store === undefined || storeKey === undefined) return fetchToken
  return storeExchange(fetchToken, { ...options, store, storeKey, isUsable })
}

/** Every getToken call the hot path did not answer: the same checks, and any transition they call for. */
function getTokenSlowly(cache: Cache, options: GetTokenOptions | undefined): Promise<AccessToken> {
  if (cache.state.name === 'closed') return Promise.reject(providerClosedError())
  const signal = options?.signal
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error)
  let reason: RefreshReason = cache.installed > 0 ? 'expired' : 'initial'
  // Compare-and-refresh: only the token the cache still holds is dropped; a newer one is simply served.
  const rejected = cache.state.held?.token
  if (rejected !== undefined && rejected.token === options?.rejected) {
    markRejected(cache, rejected)
    reason = 'rejected'
  }
  const time = cache.options.now()
  const held = cache.state.held
  if (held !== undefined && time >= held.token.expiresAt) enter(cache, dropped(cache.state)) // never served
  return answer(cache, cache.state, time, reason, signal)
}

/** What a caller gets in each state, starting a flight where one is due. */
function answer(
  cache: Cache,
  state: CacheState,
  time: number,
  reason: RefreshReason,
  signal: AbortSignal | undefined,
): Promise<AccessToken> {
  switch (state.name) {
    case 'closed':
      return Promise.reject(providerClosedError())
    case 'empty':
      return wait(cache, startFlight(cache, state, reason), signal)
    case 'failing':
      // Inside the backoff window a caller fails fast with the last error instead of starting an exchange.
      if (time < state.failure.retryAt) return Promise.reject(state.failure.error)
      return wait(cache, startFlight(cache, state, reason), signal)
    case 'fresh':
      if (time < state.held.refreshAt) return state.held.served
      // Before the margin the token is still served while it is refreshed; after it, callers wait.
      if (time < state.held.marginAt) {
        startFlight(cache, state, 'background')
        return state.held.served
      }
      return wait(cache, startFlight(cache, state, 'expired'), signal)
    case 'stale':
      if (time < state.held.refreshAt) return state.held.served
      // The refresh is failing: keep serving the still-valid token through the outage.
      if (time >= state.failure.retryAt) startFlight(cache, state, 'background')
      serveStale(cache, state.held)
      return state.held.served
    case 'refreshing':
      if (state.held === undefined) return wait(cache, state.flight, signal)
      if (time < state.held.refreshAt) return state.held.served
      if (state.failure !== undefined) {
        serveStale(cache, state.held)
        return state.held.served
      }
      return time < state.held.marginAt ? state.held.served : wait(cache, state.flight, signal)
  }
}

/** Enters `next` and sets the refresh timer to what that state waits for. */
function enter(cache: Cache, next: CacheState): void {
  cache.state = next
  const at = wakeAt(next)
  if (at === undefined) cache.timer.clear()
  else cache.timer.set(at)
}

/** The refresh timer woke: a held token that no flight is refreshing may be due for a refresh or expired. */
function onTimer(cache: Cache): void {
  const { state } = cache
  if (state.name !== 'fresh' && state.name !== 'stale') return
  const time = cache.options.now()
  const { held } = state
  if (time >= held.token.expiresAt) enter(cache, dropped(state))
  // Waking early means the delay was capped at the longest timer the runtime allows.
  else if (time < held.refreshAt) cache.timer.set(held.refreshAt)
  else if (state.name === 'stale' && time < state.failure.retryAt) cache.timer.set(state.failure.retryAt)
  else startFlight(cache, state, 'background')
}

/**
 * The one path that obtains a token. With a store, `source` reads the store, takes its lease, fetches
 * and writes back (store-exchange.ts); everything else in the cache stays as it is.
 */
function startFlight(cache: Cache, state: Idle, reason: RefreshReason): Flight {
  const flight = createFlight(++cache.flights)
  // Whatever the flight ends in sets the timer again; until then it has nothing to do.
  enter(cache, started(state, flight))
  const startedAt = cache.options.now()
  cache.emit({ type: 'refresh-started', reason })
  runFlight(
    flight,
    cache.source,
    cache.options.refreshTimeout,
    (value) => {
      succeed(cache, flight, startedAt, value)
    },
    (error) => {
      fail(cache, flight, startedAt, error)
    },
  )
  return flight
}

function succeed(cache: Cache, flight: Flight, startedAt: number, value: unknown): void {
  if (cache.state.name === 'closed') return
  const finishedAt = cache.options.now()
  let token: AccessToken
  try {
    token = validateToken(value, finishedAt, cache.rejectedTokens)
  } catch (error) {
    fail(cache, flight, startedAt, error)
    return
  }
  // A given-up flight that still delivers may fill the cache, but never replaces a newer token.
  if (flight.generation < cache.installed) {
    endFlight(flight)
    return
  }
  // A shared token's refresh point comes from its own exchange, so the fleet refreshes it once, together.
  const obtainedAt = cache.shared ? obtainedAtOf(value, startedAt, finishedAt) : startedAt
  const { refreshRatio, expiryMargin } = cache.options
  cache.installed = flight.generation
  enter(cache, succeeded(cache.state, flight, heldToken(token, obtainedAt, refreshRatio, expiryMargin)))
  endFlight(flight)
  cache.emit({ type: 'refresh-succeeded', expiresAt: token.expiresAt, duration: finishedAt - startedAt })
}

function fail(cache: Cache, flight: Flight, startedAt: number, error: unknown): void {
  const { state } = cache
  // A given-up flight already counted as a failure; its late outcome must not count twice.
  if (state.name !== 'refreshing' || state.flight !== flight) return
  const finishedAt = cache.options.now()
  // Callers always get an Error with a code to branch on, even from a source that rejects with a string.
  const reason =
    error instanceof Error ? error : new NebiusAuthError('ERR_UNKNOWN', 'fetchToken failed', { cause: error })
  const { random } = cache.options
  const next = failed(state, reason, finishedAt, (attempt) => backoffDelay(attempt, random))
  cache.staleReported = false
  enter(cache, next)
  endFlight(flight)
  cache.emit({
    type: 'refresh-failed',
    code: errorCode(error),
    duration: finishedAt - startedAt,
    retryAt: next.failure.retryAt,
  })
}

/** A caller waits for `flight`, then gets what it left behind. */
function wait(cache: Cache, flight: Flight, signal: AbortSignal | undefined): Promise<AccessToken> {
  return waitFor(cache.waiters, flight, () => afterFlight(cache), signal)
}

/** What a caller who waited for a flight gets: the state the flight left behind. */
function afterFlight(cache: Cache): AccessToken {
  const { state } = cache
  if (state.name === 'closed') throw providerClosedError()
  if (state.held !== undefined && cache.options.now() < state.held.token.expiresAt) {
    if (state.failure !== undefined) serveStale(cache, state.held)
    return state.held.token
  }
  throw (
    state.failure?.error ?? new NebiusAuthError('ERR_TOKEN_EXPIRED', 'The token expired before it was used')
  )
}

function serveStale(cache: Cache, held: Held): void {
  // Once per failed attempt, so a busy program does not flood the listener during an outage.
  if (cache.staleReported) return
  cache.staleReported = true
  cache.emit({ type: 'stale-token-served', expiresAt: held.token.expiresAt })
}

function markRejected(cache: Cache, token: AccessToken): void {
  const time = cache.options.now()
  for (const [value, expiresAt] of cache.rejectedTokens) {
    if (expiresAt <= time) cache.rejectedTokens.delete(value)
  }
  cache.rejectedTokens.set(token.token, token.expiresAt)
  enter(cache, dropped(cache.state))
}

function closeCache(cache: Cache): void {
  const { state } = cache
  if (state.name === 'closed') return
  enter(cache, closed)
  forgetRedaction()
  cache.rejectedTokens.clear()
  if (state.flight !== undefined) {
    endFlight(state.flight)
    state.flight.controller.abort(providerClosedError())
  }
}

function errorCode(error: unknown): NebiusAuthErrorCode {
  return NebiusAuthError.isInstance(error) ? error.code : 'ERR_UNKNOWN'
}
