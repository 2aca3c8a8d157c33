import { markHonoursSignal } from '../common/abortable.js'
import type { TokenProvider } from '../common/types.js'

// Node's util.inspect.custom, reached through the global symbol registry so this file needs no node:util
// and runs on every runtime.
const inspectCustom = Symbol.for('nodejs.util.inspect.custom')

/**
 * Turns a cache into the provider object a factory returns: `getToken` and `close` only, marked as
 * honouring the abort signal (the cache does), and printing as `[name]` in `String()`, `JSON.stringify`
 * and `util.inspect`, so that nothing held in closures (keys, external JWTs, actor tokens) ever shows.
 *
 * @example
 * ```ts
 * return providerObject(cachedProvider(fetchToken, options), 'FederatedCredentialsProvider')
 * ```
 */
export function providerObject(
  cache: TokenProvider & { close(): void },
  name: string,
): TokenProvider & { close(): void } {
  const describe = (): string => `[${name}]`
  const provider = markHonoursSignal({
    getToken: cache.getToken.bind(cache),
    close: cache.close.bind(cache),
    peek: cache.peek?.bind(cache) ?? (() => undefined),
  })
  Object.defineProperties(provider, {
    toString: { value: describe },
    toJSON: { value: describe },
    [inspectCustom]: { value: describe },
  })
  return provider
}
