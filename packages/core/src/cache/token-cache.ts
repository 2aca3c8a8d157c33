import { abortable, markHonoursSignal } from '../common/abortable.js'
import { backoffDelay } from '../common/retry-policy.js'
import { resolveCacheOptions } from './cache-options.js'
import type { CacheOptions } from './cache-options.js'
import { NebiusAuthError, providerClosedError, type NebiusAuthErrorCode } from '../common/errors.js'
import { forgetRedaction } from '../common/redaction-memo.js'
import type { NebiusAuthEvent } from '../common/events.js'
import { emitEvent } from '../common/events.js'
import { unrefTimer } from '../platform/timers.js'
import { concealToken } from '../common/sanitize.js'
import { obtainedAtOf, storeExchange } from './store-exchange.js'
import { isBearerToken } from '../common/token-format.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'

export type { CacheOptions } from './cache-options.js'

// Node turns a longer setTimeout delay into 1 ms (with a warning), so long waits are chained instead.
const maximumTimerDelay = 2 ** 31 - 1

/** One call of `fetchToken`, from start to settling or being given up. */
interface Exchange {
  /** Increases with every exchange started, so a late older result can be recognised. */
  readonly generation: number
  readonly controller: AbortController
  /** Resolves (never rejects) when the outcome is recorded or the exchange is given up. */
  readonly settled: Promise<void>
  readonly settle: () => void
  deadline: NodeJS.Timeout | undefined
  /** False once its outcome is recorded or it was given up (timeout, close). */
  active: boolean
}

type RefreshReason = Extract<NebiusAuthEvent, { type: 'refresh-started' }>['reason']

function invalidToken(problem: string): NebiusAuthError {
  return new NebiusAuthError('ERR_TOKEN_INVALID', `fetchToken resolved to an unusable token: ${problem}`)
}

function errorCode(error: unknown): NebiusAuthErrorCode {
  return NebiusAuthError.isInstance(error) ? error.code : 'ERR_UNKNOWN'
}

/**
 * Wraps a token source in an expiry-aware cache: one exchange at a time, background refresh once
 * `refreshRatio` of the lifetime has passed, backoff with jitter after failures, compare-and-refresh for
 * tokens the server rejected, per-caller abort. The rules: docs/ARCHITECTURE.md, "Cache rules".
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
  const { now, onEvent, name, refreshRatio, expiryMargin, refreshTimeout, random, store, storeKey } = resolved
  // Every event says which provider sent it, when it has a name.
  const emit = (event: NebiusAuthEvent): void => {
    emitEvent(onEvent, name === undefined ? event : { ...event, provider: name })
  }

  // The cached token. `served` is its resolved promise, reused so a warm call allocates nothing.
  let current: AccessToken | undefined
  let served: Promise<AccessToken> | undefined
  let refreshAt = 0 // from here on a background refresh runs while the token is still served
  let marginAt = 0 // from here on callers wait for the refresh instead, unless it is failing
  let currentGeneration = 0
  let hadToken = false

  let exchange: Exchange | undefined // the one exchange in flight, if any
  let generations = 0

  let failures = 0 // consecutive failed exchanges; 0 after a success
  let lastError: Error | undefined
  let retryAt = 0 // until then, with no valid token, callers fail fast with lastError
  let staleReported = false

  let timer: NodeJS.Timeout | undefined
  let closed = false
  // Tokens refused by the server, with their expiry, so a source returning one again is not believed.
  const rejectedTokens = new Map<string, number>()

  function schedule(at: number): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(onTimer, Math.min(Math.max(at - now(), 0), maximumTimerDelay))
    // A cache must never be the reason a finished program keeps running.
    unrefTimer(timer)
  }

  function onTimer(): void {
    timer = undefined
    if (closed || exchange !== undefined || current === undefined) return
    const time = now()
    // Waking before refreshAt means the delay was capped at the longest timer Node allows.
    if (time >= current.expiresAt) forget()
    else if (time < refreshAt) schedule(refreshAt)
    else if (failures > 0 && time < retryAt) schedule(retryAt)
    else startExchange('background')
  }

  function forget(): void {
    current = undefined
    served = undefined
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }

  // With a store, every exchange goes through it; without one, fetchToken is called as it always was.
  const source =
    store === undefined || storeKey === undefined
      ? fetchToken
      : storeExchange(fetchToken, {
          ...resolved,
          store,
          storeKey,
          // Neither the very token being replaced nor one the server refused may come back from the store.
          isUsable: (token) => token !== current?.token && !rejectedTokens.has(token),
        })

  function install(token: AccessToken, obtainedAt: number, generation: number): void {
    current = token
    served = Promise.resolve(token)
    currentGeneration = generation
    hadToken = true
    const lifetime = token.expiresAt - obtainedAt
    refreshAt = obtainedAt + lifetime * refreshRatio
    // Keep the margin inside the background-refresh window, so short-lived tokens are still served.
    marginAt = token.expiresAt - Math.min(expiryMargin, Math.max(token.expiresAt - refreshAt, 0) / 2)
    schedule(refreshAt)
  }

  function validate(value: unknown, time: number): AccessToken {
    if (typeof value !== 'object' || value === null) throw invalidToken('not an object')
    const { token, expiresAt } = value as { token?: unknown; expiresAt?: unknown }
    if (!isBearerToken(token)) {
      throw invalidToken('token must be a non-empty string of visible ASCII characters')
    }
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
      throw invalidToken('expiresAt must be a finite number of epoch milliseconds')
    }
    if (expiresAt <= time) throw invalidToken('expiresAt is already past (it is epoch milliseconds)')
    if (rejectedTokens.has(token)) {
      throw new NebiusAuthError('ERR_TOKEN_REJECTED', 'The token source returned a token the server rejected')
    }
    // A frozen copy: callers cannot alter the cached token, and extra fields of the source stay out.
    // Concealed, so `console.log(await provider.getToken())` shows only the sanitized token.
    return Object.freeze(concealToken({ token, expiresAt }))
  }

  /**
   * The one path that obtains a token. With a store, `source` reads the store, takes its lease, fetches
   * and writes back (store-exchange.ts); everything else in the cache stays as it is.
   */
  function startExchange(reason: RefreshReason): Exchange {
    let settle: () => void = () => undefined
    const settled = new Promise<void>((resolve) => (settle = resolve))
    const record: Exchange = {
      generation: ++generations,
      controller: new AbortController(),
      settled,
      settle,
      deadline: undefined,
      active: true,
    }
    exchange = record
    // Whatever the exchange ends in reschedules the timer; until then it has nothing to do.
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    const startedAt = now()
    emit({ type: 'refresh-started', reason })
    if (refreshTimeout !== Infinity) {
      record.deadline = setTimeout(
        () => {
          const error = new NebiusAuthError(
            'ERR_REFRESH_TIMEOUT',
            `fetchToken took over ${refreshTimeout} ms`,
            { transient: true },
          )
          fail(record, startedAt, error)
          record.controller.abort(error)
        },
        Math.min(refreshTimeout, maximumTimerDelay),
      )
      unrefTimer(record.deadline)
    }
    // The executor turns a synchronous throw from fetchToken into a rejection.
    new Promise<AccessToken>((resolve) => {
      resolve(source(record.controller.signal))
    }).then(
      (value) => {
        succeed(record, startedAt, value)
      },
      (error: unknown) => {
        fail(record, startedAt, error)
      },
    )
    return record
  }

  function finish(record: Exchange): void {
    record.active = false
    clearTimeout(record.deadline)
    if (exchange === record) exchange = undefined
    record.settle()
  }

  function succeed(record: Exchange, startedAt: number, value: unknown): void {
    if (closed) return
    const finishedAt = now()
    let token: AccessToken
    try {
      token = validate(value, finishedAt)
    } catch (error) {
      fail(record, startedAt, error)
      return
    }
    // A given-up exchange that still delivers may fill the cache, but never replaces a newer token.
    if (record.generation < currentGeneration) {
      finish(record)
      return
    }
    // A shared token's refresh point comes from its own exchange, so the fleet refreshes it once, together.
    const obtainedAt = source === fetchToken ? startedAt : obtainedAtOf(value, startedAt, finishedAt)
    install(token, obtainedAt, record.generation)
    failures = 0
    lastError = undefined
    finish(record)
    emit({
      type: 'refresh-succeeded',
      expiresAt: token.expiresAt,
      duration: finishedAt - startedAt,
    })
  }

  function fail(record: Exchange, startedAt: number, error: unknown): void {
    // A given-up exchange already counted as a failure; its late outcome must not count twice.
    if (!record.active || closed) return
    const finishedAt = now()
    // Callers always get an Error with a code to branch on, even from a source that rejects with a string.
    lastError =
      error instanceof Error
        ? error
        : new NebiusAuthError('ERR_UNKNOWN', 'fetchToken failed', { cause: error })
    retryAt = finishedAt + backoffDelay(failures, random)
    failures++
    staleReported = false
    finish(record)
    // Retry in the background only while there is a token to protect (without one, callers drive the
    // retries); at its expiry the timer drops the token instead.
    if (current !== undefined) schedule(Math.min(retryAt, current.expiresAt))
    emit({
      type: 'refresh-failed',
      code: errorCode(error),
      duration: finishedAt - startedAt,
      retryAt,
    })
  }

  function serveStale(token: AccessToken): AccessToken {
    // Once per failed attempt, so a busy program does not flood the listener during an outage.
    if (!staleReported) {
      staleReported = true
      emit({ type: 'stale-token-served', expiresAt: token.expiresAt })
    }
    return token
  }

  /** What a caller who waited for an exchange gets: the state the exchange left behind. */
  function afterExchange(): AccessToken {
    if (closed) throw providerClosedError()
    if (current !== undefined && now() < current.expiresAt) {
      return failures > 0 ? serveStale(current) : current
    }
    throw lastError ?? new NebiusAuthError('ERR_TOKEN_EXPIRED', 'The token expired before it was used')
  }

  // Every timer of an exchange (attempt timeouts, retry sleeps, store calls) is unref'd, so background work
  // never keeps the process alive. A caller who waits for a token is another matter: like any pending
  // request it must keep the process alive, or `await provider.getToken()` would end a script mid-retry.
  let waiting = 0
  let keepAlive: ReturnType<typeof setTimeout> | undefined

  function wait(record: Exchange, signal: AbortSignal | undefined): Promise<AccessToken> {
    if (waiting++ === 0) keepAlive = setTimeout(() => undefined, maximumTimerDelay)
    // The caller's signal ends only this caller's wait; the shared exchange carries on for the others.
    return abortable(record.settled.then(afterExchange), signal).finally(() => {
      if (--waiting === 0) clearTimeout(keepAlive)
    })
  }

  function markRejected(token: AccessToken): void {
    const time = now()
    for (const [value, expiresAt] of rejectedTokens) if (expiresAt <= time) rejectedTokens.delete(value)
    rejectedTokens.set(token.token, token.expiresAt)
    forget()
  }

  function getTokenSlowly(options: GetTokenOptions | undefined): Promise<AccessToken> {
    if (closed) return Promise.reject(providerClosedError())
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error)
    let reason: RefreshReason = hadToken ? 'expired' : 'initial'
    // Compare-and-refresh: only the token the cache still holds is dropped; a newer one is simply served.
    if (current !== undefined && current.token === options?.rejected) {
      markRejected(current)
      reason = 'rejected'
    }
    const time = now()
    if (current !== undefined && time >= current.expiresAt) forget() // an expired token is never returned
    if (current !== undefined && served !== undefined) {
      if (time < refreshAt) return served
      if (failures > 0) {
        // The refresh is failing: keep serving the still-valid token through the outage.
        if (exchange === undefined && time >= retryAt) startExchange('background')
        serveStale(current)
        return served
      }
      const running = exchange ?? startExchange(time < marginAt ? 'background' : 'expired')
      return time < marginAt ? served : wait(running, signal)
    }
    if (exchange !== undefined) return wait(exchange, signal)
    if (lastError !== undefined && time < retryAt) return Promise.reject(lastError)
    return wait(startExchange(reason), signal)
  }

  // Every path of getToken settles at once on an abort (see getTokenSlowly and wait), so adapters may skip
  // their own abortable() wrapper around it.
  return markHonoursSignal({
    getToken(options?: GetTokenOptions): Promise<AccessToken> {
      // The hot path: a fresh token goes out as the same resolved promise, with no allocation at all.
      if (
        served !== undefined &&
        (options === undefined || (options.rejected === undefined && options.signal?.aborted !== true)) &&
        now() < refreshAt
      ) {
        return served
      }
      return getTokenSlowly(options)
    },
    // The same test as getToken's hot path, without the promise: a token due for refresh is not offered,
    // so the caller's getToken() starts that refresh.
    peek(): AccessToken | undefined {
      return served !== undefined && now() < refreshAt ? current : undefined
    },
    close(): void {
      if (closed) return
      closed = true
      forget()
      forgetRedaction()
      rejectedTokens.clear()
      const running = exchange
      if (running !== undefined) {
        finish(running)
        running.controller.abort(providerClosedError())
      }
    },
  })
}
