import { resolveCacheOptions, type CacheOptions } from '../cache/cache-options.js'
import { cachedProvider } from '../cache/token-cache.js'
import { markHonoursSignal } from '../common/abortable.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'
import { acceptsName } from './named.js'

/**
 * How the cache of a refreshing provider behaves: the `cache` option of `serviceAccount`,
 * `federatedCredentials`, `impersonate`, `cliToken`, `vmMetadata` and {@link cached}. Every field is
 * optional and has the default {@link cachedProvider} gives it.
 *
 * @example
 * ```ts
 * const cache: CacheSettings = { refreshRatio: 0.5, refreshTimeout: 120_000 }
 * const provider = serviceAccount({ credentialsFile: 'credentials.json', cache })
 * ```
 */
export type CacheSettings = Pick<
  CacheOptions,
  'refreshRatio' | 'expiryMargin' | 'refreshTimeout' | 'random' | 'storeTimeout' | 'leaseTtl'
>

const settingNames: readonly string[] = [
  'refreshRatio',
  'expiryMargin',
  'refreshTimeout',
  'random',
  'storeTimeout',
  'leaseTtl',
] satisfies readonly (keyof CacheSettings)[]

/**
 * Options of {@link cached}, and the part of every refreshing provider's options that reaches its cache.
 * What a user sets for one provider (its `name`, `onEvent`, clock and `store`) sits at the top; the
 * tuning that rarely changes sits in `cache`.
 *
 * @example
 * ```ts
 * const options: CachedOptions = { onEvent: console.log, store: fileStore('/tmp/tokens'), storeKey: 'ci', cache: { leaseTtl: 5000 } }
 * ```
 */
export interface CachedOptions extends Pick<CacheOptions, 'name' | 'now' | 'onEvent' | 'store' | 'storeKey'> {
  /** The cache's tuning: `refreshRatio`, `expiryMargin`, `refreshTimeout`, `random`, `storeTimeout`, `leaseTtl`. */
  cache?: CacheSettings
}

/** The options in the flat shape of `cachedProvider`, checked now so that a mistake shows at construction. */
function cacheOptionsOf(options: CachedOptions): CacheOptions {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('options must be an object')
  }
  const { name, now, onEvent, store, storeKey, cache = {} } = options
  if (typeof cache !== 'object' || (cache as unknown) === null) {
    throw new TypeError('options.cache must be an object')
  }
  const unknown = Object.keys(cache).find((key) => !settingNames.includes(key))
  if (unknown !== undefined) throw new TypeError(`options.cache.${unknown} is not a cache setting`)
  try {
    resolveCacheOptions(cache)
  } catch (error) {
    // The cache's own checks name `options.refreshRatio`; here that setting is `options.cache.refreshRatio`.
    if (!(error instanceof TypeError)) throw error
    throw new TypeError(error.message.replace('options.', 'options.cache.'), { cause: error })
  }
  const flat: CacheOptions = { ...cache, name, now, onEvent, store, storeKey }
  resolveCacheOptions(flat)
  return flat
}

/**
 * Wraps a token source in core's expiry-aware cache (see {@link cachedProvider} for its rules: one
 * exchange at a time, background refresh, backoff after failures, compare-and-refresh on `rejected`,
 * per-caller abort). This is how every refreshing provider of core is made:
 * `named('service-account', cached(exchangeWithKey, options))`.
 *
 * Options are checked at once (a `TypeError` naming the option); the cache itself is set up on the first
 * call, so that {@link named} can still give it the name its events carry.
 *
 * @param source - Obtains a new token; its signal is aborted on `close()` and after `refreshTimeout`.
 *   `expiresAt` must come from the clock read before the request was sent.
 * @param options - See {@link CachedOptions}.
 * @returns A provider with `getToken`, a synchronous `peek` and `close`, which stops its timers and
 *   forgets its token.
 *
 * @example
 * ```ts
 * import { cached, named } from '@nebius-auth/core'
 *
 * const provider = named('vault-token', cached(async (signal) => {
 *   const response = await fetch('https://vault.internal/nebius-token', { signal })
 *   const { token, ttl } = (await response.json()) as { token: string; ttl: number }
 *   return { token, expiresAt: Date.now() + ttl * 1000 }
 * }, { cache: { refreshRatio: 0.5 } }))
 * ```
 */
export function cached(
  source: (signal: AbortSignal) => Promise<AccessToken>,
  options: CachedOptions = {},
): TokenProvider & { close(): void; peek(): AccessToken | undefined } {
  if (typeof source !== 'function') throw new TypeError('source must be a function')
  let flat = cacheOptionsOf(options)
  let cache: ReturnType<typeof cachedProvider> | undefined
  const cacheOf = (): ReturnType<typeof cachedProvider> => (cache ??= cachedProvider(source, flat))
  // The cache settles a call at once when its signal aborts, so the provider carries the marker.
  const provider = markHonoursSignal({
    getToken: (callOptions?: GetTokenOptions): Promise<AccessToken> => cacheOf().getToken(callOptions),
    peek: (): AccessToken | undefined => cache?.peek(),
    close: (): void => {
      cacheOf().close()
    },
  })
  return acceptsName(provider, (name) => {
    if (cache === undefined) flat = { ...flat, name }
  })
}

/**
 * The part of a refreshing provider's options that belongs to its cache, picked field by field so that
 * nothing else of the options (keys, endpoints, fetch) reaches it. The name goes to {@link named}.
 *
 * @example
 * ```ts
 * return named(options.name ?? 'vm-metadata', cached(fetchToken, cacheOptionsIn(options)))
 * ```
 */
export function cacheOptionsIn(options: CachedOptions): CachedOptions {
  const { now, onEvent, store, storeKey, cache } = options
  return { now, onEvent, store, storeKey, cache }
}
