import type { NebiusAuthEventListener } from '../common/events.js'
import type { TokenStore } from './token-store.js'

/**
 * Options of {@link cachedProvider}. Every refreshing provider (`serviceAccount`, …) accepts them too.
 * Durations are milliseconds.
 *
 * @example
 * ```ts
 * const provider = cachedProvider(fetchToken, {
 *   refreshRatio: 0.8,
 *   onEvent: (event) => metrics.increment(`nebius_auth.${event.type}`),
 * })
 * ```
 */
export interface CacheOptions {
  /** Injected clock, ms since epoch. Default `Date.now` (read on every call, so fake timers apply). */
  now?: () => number
  /** Receives refresh and stale-token events; never a token. Default: none. */
  onEvent?: NebiusAuthEventListener
  /**
   * The name events (`provider`) and `NODE_DEBUG=nebius-auth` lines (`provider=…`) give this provider, so
   * that a program with several can tell them apart: 1 to 64 visible ASCII characters, no spaces. Default:
   * the factory's own (`service-account`, `vm-metadata`, …); none for `cachedProvider`.
   */
  name?: string
  /** Fraction of the lifetime after which a background refresh starts, in (0, 1]. Default 0.9. */
  refreshRatio?: number
  /**
   * A token with less than this many ms left is not handed out while a refresh could still replace it:
   * callers wait for the fresh token instead, so a request does not leave with a token that dies in
   * flight. It never exceeds half of the time between the refresh point and expiry, so short-lived tokens
   * still get served. While the refresh is failing the old token is served anyway, up to `expiresAt`.
   * Default 10000 (10 s).
   */
  expiryMargin?: number
  /**
   * How long one `fetchToken` call may take before the cache gives up on it, aborts its signal and
   * counts it as a failure (`ERR_REFRESH_TIMEOUT`), so a hung source cannot block callers forever.
   * `Infinity` waits forever. Default 60000 (60 s); raise it for sources that may wait on a person, such as
   * a browser login.
   */
  refreshTimeout?: number
  /** Source of the ±20% backoff jitter, numbers in [0, 1). Default `Math.random`. */
  random?: () => number
  /**
   * Shares tokens with other processes: before an exchange the cache reads the store, and only one
   * process (the lease holder) exchanges while the others wait for its token. Any store failure falls
   * back to a local exchange. Default: none, each process exchanges for itself. See docs/fleet.md.
   */
  store?: TokenStore
  /**
   * The key the token is shared under; required with `store` for `cachedProvider`. A function is called
   * on each exchange (it may read credentials). `serviceAccount` derives it from its IDs: a hash prefixed
   * `nebius-auth:v1:`, never from a secret.
   */
  storeKey?: string | (() => string | Promise<string>)
  /** How long one store call may take before it counts as failed, in ms. Default 1000. */
  storeTimeout?: number
  /**
   * How long the lease of the one refreshing process lasts, in ms: the others wait up to this long for
   * its token before exchanging themselves. Default 10000.
   */
  leaseTtl?: number
}

/** {@link CacheOptions} with every default filled in. */
export interface ResolvedCacheOptions {
  now: () => number
  onEvent: NebiusAuthEventListener | undefined
  name: string | undefined
  refreshRatio: number
  expiryMargin: number
  refreshTimeout: number
  random: () => number
  store: TokenStore | undefined
  storeKey: string | (() => string | Promise<string>) | undefined
  storeTimeout: number
  leaseTtl: number
}

/**
 * Fills in defaults and validates, throwing a `TypeError` that names the offending option (never its
 * value, which could be anything a user passed). Unknown keys are ignored on purpose: providers pass
 * their own options object straight through.
 *
 * @example
 * ```ts
 * resolveCacheOptions({ refreshRatio: 0.8 }).expiryMargin // 10000
 * resolveCacheOptions({ refreshRatio: 2 }) // TypeError: options.refreshRatio must be a number in (0, 1]
 * ```
 */
export function resolveCacheOptions(options: CacheOptions | undefined): ResolvedCacheOptions {
  if (options === undefined) options = {}
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('options must be an object')
  }
  const {
    now = () => Date.now(),
    onEvent,
    name,
    refreshRatio = 0.9,
    expiryMargin = 10_000,
    refreshTimeout = 60_000,
    random = Math.random,
    store,
    storeKey,
    storeTimeout = 1000,
    leaseTtl = 10_000,
  } = options
  if (typeof now !== 'function') throw new TypeError('options.now must be a function')
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new TypeError('options.onEvent must be a function')
  }
  // Printed as one `provider=…` field of a debug line: no spaces, nothing that could end the line.
  if (name !== undefined && (typeof name !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(name))) {
    throw new TypeError('options.name must be 1 to 64 visible ASCII characters without spaces')
  }
  if (typeof refreshRatio !== 'number' || !(refreshRatio > 0 && refreshRatio <= 1)) {
    throw new TypeError('options.refreshRatio must be a number in (0, 1]')
  }
  if (typeof expiryMargin !== 'number' || !(expiryMargin >= 0 && Number.isFinite(expiryMargin))) {
    throw new TypeError('options.expiryMargin must be a finite number of milliseconds, at least 0')
  }
  if (typeof refreshTimeout !== 'number' || !(refreshTimeout > 0)) {
    throw new TypeError('options.refreshTimeout must be a positive number of milliseconds or Infinity')
  }
  if (typeof random !== 'function') throw new TypeError('options.random must be a function')
  validateStoreOptions(store, storeKey)
  if (!isPositiveFinite(storeTimeout)) {
    throw new TypeError('options.storeTimeout must be a positive finite number of milliseconds')
  }
  if (!isPositiveFinite(leaseTtl)) {
    throw new TypeError('options.leaseTtl must be a positive finite number of milliseconds')
  }
  return {
    now,
    onEvent,
    name,
    refreshRatio,
    expiryMargin,
    refreshTimeout,
    random,
    store,
    storeKey,
    storeTimeout,
    leaseTtl,
  }
}

function isPositiveFinite(value: unknown): boolean {
  return typeof value === 'number' && value > 0 && Number.isFinite(value)
}

function validateStoreOptions(store: unknown, storeKey: unknown): void {
  if (store !== undefined) {
    if (
      typeof store !== 'object' ||
      store === null ||
      !('get' in store && typeof store.get === 'function') ||
      !('set' in store && typeof store.set === 'function') ||
      !('lease' in store && typeof store.lease === 'function')
    ) {
      throw new TypeError('options.store must be a TokenStore (get, set and lease methods)')
    }
    if (storeKey === undefined) throw new TypeError('options.storeKey is required with options.store')
  }
  if (
    storeKey !== undefined &&
    typeof storeKey !== 'function' &&
    (typeof storeKey !== 'string' || storeKey === '')
  ) {
    throw new TypeError('options.storeKey must be a non-empty string or a function')
  }
}
