import { abortableSleep } from '../common/abortable.js'
import { unrefTimer } from '../common/timers.js'
import { NebiusAuthError, type NebiusAuthErrorCode } from '../common/errors.js'
import type { NebiusAuthEventListener } from '../common/events.js'
import { emitEvent } from '../runtime/emit-event.js'
import { readStoredToken } from './token-store.js'
import type { StoredToken, TokenStore } from './token-store.js'
import type { AccessToken } from '../common/types.js'

/** What {@link storeExchange} needs from the cache that owns it. */
export interface StoreExchangeOptions {
  store: TokenStore
  /** The key, or a function that finds it (a service account knows its IDs only once its file is read). */
  storeKey: string | (() => string | Promise<string>)
  /** Bound of each store call in ms; a call that takes longer counts as a store failure. */
  storeTimeout: number
  /** How long the lease lasts, in ms, and so how long others wait for its holder. */
  leaseTtl: number
  now: () => number
  onEvent: NebiusAuthEventListener | undefined
  /** The provider's name, which every event carries when there is one. */
  name: string | undefined
  /** The cache's refresh point, as a fraction of the lifetime. */
  refreshRatio: number
  /** Stands in for the refresh point of a stored token whose `obtainedAt` the store did not keep. */
  expiryMargin: number
  /** False for a token string the cache must not take from the store (rejected, or being replaced). */
  isUsable: (token: string) => boolean
}

type Outcome<T> = { ok: true; value: T } | { ok: false }

// Waiting for another process's exchange: poll often at first (an exchange takes tens of ms), then less.
const firstPollDelay = 20
const pollMultiplier = 1.5
const maximumPollDelay = 250

/**
 * When a token's exchange started: the `obtainedAt` a store-backed source gives, if plausible, else
 * `startedAt`. The cache computes the refresh point from it, so a shared token is refreshed once, by the
 * fleet together, at 90% of its real lifetime.
 *
 * @example
 * ```ts
 * obtainedAtOf({ token, expiresAt, obtainedAt: 1000 }, 5000, 5100) // 1000
 * ```
 */
export function obtainedAtOf(value: unknown, startedAt: number, finishedAt: number): number {
  const { obtainedAt } = value as StoredToken
  return typeof obtainedAt === 'number' && Number.isFinite(obtainedAt) && obtainedAt <= finishedAt
    ? obtainedAt
    : startedAt
}

/** The event fields for a failed store call: our code, and Node's system code when there is one. */
function storeErrorCodes(error: unknown): { code: NebiusAuthErrorCode; systemCode?: string } {
  if (NebiusAuthError.isInstance(error)) return { code: error.code }
  const code = (error as { code?: unknown } | null)?.code
  // Node's system codes (ECONNREFUSED, EACCES) say what went wrong without saying anything secret.
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) {
    return { code: 'ERR_STORE_FAILED', systemCode: code }
  }
  // A TypeError without a system code is a programming error, not an outage: a store method that is
  // missing or a client the store does not understand. It fails on every call, so it must be loud.
  if (error instanceof TypeError) return { code: 'ERR_STORE_MISCONFIGURED' }
  return { code: 'ERR_STORE_FAILED' }
}

/**
 * Wraps `fetchToken` so that a fleet shares one token through `store`: read the store, else take the
 * lease and exchange (re-reading first, another process may just have written), else wait for the lease
 * holder's token. Any store failure or timeout emits `store-error` and falls back to `fetchToken`: the
 * store can cost sharing, never a request.
 *
 * @example
 * ```ts
 * const source = storeExchange(fetchToken, { store, storeKey, storeTimeout: 1000, leaseTtl: 10_000, now, onEvent, isFresh })
 * const token = await source(signal)
 * ```
 */
export function storeExchange(
  fetchToken: (signal: AbortSignal) => Promise<AccessToken>,
  options: StoreExchangeOptions,
): (signal: AbortSignal) => Promise<AccessToken> {
  const { store, storeKey, storeTimeout, leaseTtl, now, onEvent, refreshRatio, expiryMargin, isUsable } =
    options
  const named = options.name === undefined ? {} : { provider: options.name }

  /** Whether a stored token may stand in for an exchange: usable and not past this provider's refresh point. */
  function isFresh(token: StoredToken, time: number): boolean {
    if (!isUsable(token.token)) return false
    const { expiresAt, obtainedAt } = token
    const refreshPoint =
      obtainedAt === undefined
        ? expiresAt - expiryMargin
        : obtainedAt + (expiresAt - obtainedAt) * refreshRatio
    return time < refreshPoint
  }

  // Whether the last store call failed: the first failure of an outage is also a `store-unavailable`.
  let unavailable = false

  async function call<T>(operation: string, run: () => Promise<T>): Promise<Outcome<T>> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new NebiusAuthError('ERR_STORE_TIMEOUT', `The token store took over ${storeTimeout} ms`, {
            transient: true,
          }),
        )
      }, storeTimeout)
      // A hung store must not keep the process alive; the exchange that follows has its own timers.
      unrefTimer(timer)
    })
    try {
      // The executor turns a synchronous throw from a store method into a failure like any other.
      const value = await Promise.race([
        new Promise<T>((resolve) => {
          resolve(run())
        }),
        timeout,
      ])
      unavailable = false
      return { ok: true, value }
    } catch (error) {
      const codes = storeErrorCodes(error)
      emitEvent(onEvent, { type: 'store-error', operation, ...codes, ...named })
      if (!unavailable) {
        emitEvent(onEvent, { type: 'store-unavailable', operation, code: codes.code, ...named })
      }
      unavailable = true
      return { ok: false }
    } finally {
      clearTimeout(timer)
    }
  }

  /** A fresh token from the store, undefined when there is none, or a failed outcome. */
  async function read(key: string): Promise<Outcome<StoredToken | undefined>> {
    const outcome = await call('get', () => store.get(key))
    if (!outcome.ok) return outcome
    const time = now()
    const token = readStoredToken(outcome.value, time)
    return { ok: true, value: token !== undefined && isFresh(token, time) ? token : undefined }
  }

  /** Polls until the lease holder's token shows up, the lease time is over, or the store fails. */
  async function waitForHolder(key: string, signal: AbortSignal): Promise<Outcome<StoredToken | undefined>> {
    const until = now() + leaseTtl
    let delay = firstPollDelay
    while (now() < until) {
      await abortableSleep(Math.min(delay, Math.max(until - now(), 1)), signal)
      delay = Math.min(delay * pollMultiplier, maximumPollDelay)
      const outcome = await read(key)
      if (!outcome.ok || outcome.value !== undefined) return outcome
    }
    return { ok: true, value: undefined }
  }

  /** Our own exchange, written back for the others when `share` is set. */
  async function exchange(key: string | undefined, signal: AbortSignal): Promise<AccessToken> {
    const obtainedAt = now()
    const value = await fetchToken(signal)
    // Only a token the cache would accept is shared; a bad one is left for the cache to report.
    const token = readStoredToken(value, now())
    if (token === undefined) return value
    const shared: StoredToken = { token: token.token, expiresAt: token.expiresAt, obtainedAt }
    // Awaited before the lease is released, so the next lease holder finds this token.
    if (key !== undefined) await call('set', () => store.set(key, shared))
    return shared
  }

  return async (signal) => {
    let key: string
    try {
      key = typeof storeKey === 'string' ? storeKey : await storeKey()
    } catch {
      // The key comes from the credentials; fetchToken meets the same problem and reports it properly.
      return fetchToken(signal)
    }
    const first = await read(key)
    if (!first.ok) return exchange(undefined, signal)
    if (first.value !== undefined) return first.value
    signal.throwIfAborted()

    let lease = await call('lease', () => store.lease(key, leaseTtl))
    if (!lease.ok) return exchange(undefined, signal)
    if (lease.value === undefined) {
      const waited = await waitForHolder(key, signal)
      if (!waited.ok) return exchange(undefined, signal)
      if (waited.value !== undefined) return waited.value
      // The holder never delivered (it crashed or hangs): its lease has run out, so try to take over.
      lease = await call('lease', () => store.lease(key, leaseTtl))
      if (!lease.ok) return exchange(undefined, signal)
    }
    const release = lease.value
    if (release === undefined) return exchange(key, signal)
    try {
      const again = await read(key)
      if (again.ok && again.value !== undefined) return again.value
      return await exchange(again.ok ? key : undefined, signal)
    } finally {
      // Not awaited: the token is ready, and a slow release only delays the next refresher by its ttl.
      void call('release', release)
    }
  }
}
