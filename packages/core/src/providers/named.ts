import { honours, markHonoursSignal } from '../common/abortable.js'
import type { AccessToken, TokenProvider } from '../common/types.js'

// Node's util.inspect.custom, reached through the global symbol registry so this file needs no node:util
// and runs on every runtime.
const inspectCustom = Symbol.for('nodejs.util.inspect.custom')

// Where a provider made by `cached` or `chain` takes the name `named` gives it, for its own events.
const takesName = Symbol('takesName')

/** A provider that always has `peek` and `close`, as every factory of core returns it. */
type ClosableProvider = TokenProvider & { close(): void; peek(): AccessToken | undefined }

/**
 * Lets {@link named} hand its name to `provider`, which then puts it into the events it sends. Internal:
 * `cached` and `chain` use it; `take` may ignore a name that comes too late to matter.
 *
 * @example
 * ```ts
 * return acceptsName(provider, (given) => { name = given })
 * ```
 */
export function acceptsName<T extends object>(provider: T, take: (name: string) => void): T {
  return Object.defineProperty(provider, takesName, { value: take })
}

/** `getToken`, `peek` and `close` of `provider` as its own functions, so its promises pass through as they are. */
function forwarding(provider: TokenProvider, close: () => void): ClosableProvider {
  const forwarded: ClosableProvider = {
    getToken: provider.getToken.bind(provider),
    peek: provider.peek?.bind(provider) ?? (() => undefined),
    close,
  }
  // The marker says the adapters need not wrap each call in an abort race: true only if it was for `provider`.
  return honours(provider) ? markHonoursSignal(forwarded) : forwarded
}

function checkProvider(provider: TokenProvider): void {
  if (
    typeof provider !== 'object' ||
    (provider as unknown) === null ||
    typeof (provider as Partial<TokenProvider>).getToken !== 'function'
  ) {
    throw new TypeError('provider must be a TokenProvider (an object with getToken)')
  }
}

/**
 * Gives a provider its name: it prints as `[name]` in `String()`, `JSON.stringify` and `util.inspect`, so
 * nothing held in its closures (keys, external JWTs, actor tokens) ever shows, and a provider made by
 * {@link cached} or {@link chain} puts the name into its events and `NODE_DEBUG=nebius-auth` lines
 * (`provider=name`), unless it has already served a token. Every provider core's factories return is
 * made this way.
 *
 * The result forwards `getToken`, `peek` and `close` to `provider` as they are: a warm `getToken` returns
 * the inner provider's own promise, and the marker that lets adapters skip wrapping a call in an abort race
 * carries over.
 *
 * @param name - 1 to 64 visible ASCII characters, no spaces (it is one field of a debug line).
 * @param provider - Any {@link TokenProvider}; closing the result closes it.
 * @returns The named provider.
 *
 * @example
 * ```ts
 * import { cached, named } from '@nebius-auth/core'
 *
 * const provider = named('billing-token', cached(fetchBillingToken))
 * String(provider) // '[billing-token]'
 * ```
 */
export function named(name: string, provider: TokenProvider): TokenProvider & { close(): void } {
  // Printed as one `provider=…` field of a debug line: no spaces, nothing that could end the line.
  if (typeof name !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(name)) {
    throw new TypeError('name must be 1 to 64 visible ASCII characters without spaces')
  }
  checkProvider(provider)
  ;(provider as { [takesName]?: (name: string) => void })[takesName]?.(name)
  const describe = (): string => `[${name}]`
  const result = forwarding(provider, () => provider.close?.())
  return Object.defineProperties(result, {
    toString: { value: describe },
    toJSON: { value: describe },
    [inspectCustom]: { value: describe },
  })
}

/**
 * `provider`, whose `close()` also runs `cleanup`: for a provider that owns more than what it wraps (an
 * impersonation and the profile's provider it acts with, a shared provider and its registry entry).
 *
 * @example
 * ```ts
 * return closingAlso(impersonated, () => actor.close())
 * ```
 */
export function closingAlso(
  provider: TokenProvider & { close(): void },
  cleanup: () => void,
): TokenProvider & { close(): void } {
  checkProvider(provider)
  return forwarding(provider, () => {
    provider.close()
    cleanup()
  })
}
