import { markHonoursSignal } from '../common/abortable.js'
import { providerClosedError } from '../common/errors.js'
import { emitEvent } from '../runtime/emit-event.js'
import { forgetRedaction } from '../common/redaction-memo.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'
import { resolveCacheOptions, type CacheOptions, type ResolvedCacheOptions } from './cache-options.js'
import { enter, type Cache, type RefreshReason, type TokenSource } from './cache-record.js'
import { closed, dropped, empty, type CacheState } from './cache-state.js'
import { serveStale, startFlight, wait } from './flights.js'
import { refreshTimer } from './refresh-timer.js'
import { endFlight } from './single-flight.js'
import { storeExchange } from './store-exchange.js'

export type { CacheOptions } from './cache-options.js'

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
