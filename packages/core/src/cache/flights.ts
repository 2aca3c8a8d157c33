import { NebiusAuthError, providerClosedError, type NebiusAuthErrorCode } from '../common/errors.js'
import { backoffDelay } from '../common/retry-policy.js'
import type { AccessToken } from '../common/types.js'
import { enter, type Cache, type RefreshReason } from './cache-record.js'
import { failed, heldToken, started, succeeded, type Held, type Idle } from './cache-state.js'
import { createFlight, endFlight, runFlight, waitFor, type Flight } from './single-flight.js'
import { obtainedAtOf } from './store-exchange.js'
import { validateToken } from './token-validation.js'

// A flight is one attempt to obtain a token: how it starts, what its outcome does to the cache, and what
// the callers who waited for it get.

/**
 * The one path that obtains a token. With a store, `source` reads the store, takes its lease, fetches
 * and writes back (store-exchange.ts); everything else in the cache stays as it is.
 */
export function startFlight(cache: Cache, state: Idle, reason: RefreshReason): Flight {
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
export function wait(cache: Cache, flight: Flight, signal: AbortSignal | undefined): Promise<AccessToken> {
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

export function serveStale(cache: Cache, held: Held): void {
  // Once per failed attempt, so a busy program does not flood the listener during an outage.
  if (cache.staleReported) return
  cache.staleReported = true
  cache.emit({ type: 'stale-token-served', expiresAt: held.token.expiresAt })
}

function errorCode(error: unknown): NebiusAuthErrorCode {
  return NebiusAuthError.isInstance(error) ? error.code : 'ERR_UNKNOWN'
}
