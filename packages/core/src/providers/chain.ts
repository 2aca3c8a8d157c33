import { abortable, honours, markHonoursSignal } from '../common/abortable.js'
import { CredentialsError, NebiusAuthError, providerClosedError } from '../common/errors.js'
import type { NebiusAuthEventListener } from '../common/events.js'
import { emitEvent } from '../runtime/emit-event.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'
import { acceptsName } from './named.js'

/**
 * One link of a {@link chain}: a provider, asked for a token when the chain reaches it, or a function
 * that makes the provider then, such as one that looks at a variable or a file first. Either one says
 * "not here, try the next" by throwing (or rejecting with) `credentialsUnavailable(source, reason)`.
 *
 * @example
 * ```ts
 * const fromVariable: ChainSource = () => {
 *   const token = process.env.MY_TOKEN
 *   if (token === undefined) throw credentialsUnavailable('MY_TOKEN', 'not set')
 *   return staticToken(token)
 * }
 * ```
 */
export type ChainSource = TokenProvider | (() => TokenProvider | Promise<TokenProvider>)

/**
 * Options of {@link chain}, given before the sources.
 *
 * @example
 * ```ts
 * const provider = chain({ hint: 'Next step: set MY_TOKEN' }, fromVariable, vmMetadataSource)
 * ```
 */
export interface ChainOptions {
  /** Receives the chain's `refresh-failed` event when a search ends without a provider. Default: none. */
  onEvent?: NebiusAuthEventListener
  /** Put after the list of what was tried in `ERR_CREDENTIALS_NOT_FOUND`: what the user should do next. */
  hint?: string
}

type Provider = TokenProvider & { close?(): void }

interface Found {
  readonly provider: Provider
  /** The token the search got from a provider source, for the callers that waited for the search. */
  readonly token?: AccessToken
  /** Made by a function source, so the chain closes it. */
  readonly built: boolean
}

function isUnavailable(error: unknown): error is NebiusAuthError {
  return NebiusAuthError.isInstance(error) && error.code === 'ERR_CREDENTIALS_UNAVAILABLE'
}

function isSource(value: unknown): value is ChainSource {
  return (
    typeof value === 'function' ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Partial<TokenProvider>).getToken === 'function')
  )
}

function split(args: readonly unknown[]): { options: ChainOptions; sources: readonly ChainSource[] } {
  const [first, ...rest] = args
  const hasOptions = typeof first === 'object' && first !== null && !isSource(first)
  const options = hasOptions ? (first as ChainOptions) : {}
  const sources = hasOptions ? rest : args
  if (sources.length === 0) throw new TypeError('chain needs at least one source')
  if (!sources.every(isSource)) {
    throw new TypeError('each source of a chain must be a TokenProvider or a function that returns one')
  }
  const { onEvent, hint } = options
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new TypeError('options.onEvent must be a function')
  }
  if (hint !== undefined && typeof hint !== 'string') throw new TypeError('options.hint must be a string')
  return { options, sources }
}

/**
 * A provider that tries its sources in order and keeps the first that serves, as the credential chains
 * of the cloud SDKs do. `fromEnvironment()` is one: a chain of the places Nebius credentials live.
 *
 * - Nothing happens until the first `getToken`. Then a provider source is asked for a token, and a
 *   function source is called for its provider; one that throws `ERR_CREDENTIALS_UNAVAILABLE` (see
 *   `credentialsUnavailable`) is passed over. Any other error ends the search with that error: a source
 *   that is there but broken must not let a later one serve in its place. A function source that returns
 *   a provider has found it, and that provider's own errors then reach the caller as they are.
 * - The provider found serves every later call directly: its own promise is returned as it is, `peek()`
 *   is its `peek()`, so a warm call costs what the provider alone costs.
 * - Concurrent first calls share one search; a caller's `signal` ends only its own wait. A search that
 *   fails is not remembered: the next call searches again (credentials may appear later).
 * - No source serves: a `CredentialsError` `ERR_CREDENTIALS_NOT_FOUND`, "No Nebius credentials found;
 *   tried …", listing each source's reason, then `options.hint`. A failed search also sends a
 *   `refresh-failed` event with the code the caller gets, named by {@link named}.
 * - `close()` closes every provider source and the provider a function source made.
 *
 * Call it as `chain(...sources)` or `chain(options, ...sources)`: {@link ChainOptions} first when given,
 * then one or more {@link ChainSource}s.
 *
 * @returns The chain, as a provider.
 *
 * @example
 * ```ts
 * import { chain, credentialsUnavailable, named, serviceAccount, staticToken } from '@nebius-auth/core'
 *
 * const provider = named('app-credentials', chain(
 *   () => {
 *     const token = process.env.APP_TOKEN
 *     if (token === undefined) throw credentialsUnavailable('APP_TOKEN', 'not set')
 *     return staticToken(token)
 *   },
 *   () => serviceAccount({ credentialsFile: '/etc/app/credentials.json' }),
 * ))
 * ```
 */
export function chain(...sources: ChainSource[]): TokenProvider & { close(): void }
export function chain(options: ChainOptions, ...sources: ChainSource[]): TokenProvider & { close(): void }
export function chain(...args: (ChainOptions | ChainSource)[]): TokenProvider & { close(): void } {
  const { options, sources } = split(args)
  const { onEvent, hint } = options
  let name: string | undefined

  async function search(): Promise<Found> {
    const tried: string[] = []
    for (const source of sources) {
      try {
        if (typeof source === 'function') return { provider: await source(), built: true }
        return { provider: source, token: await source.getToken(), built: false }
      } catch (error) {
        if (!isUnavailable(error)) throw error
        tried.push(error.message)
      }
    }
    throw new CredentialsError(
      'ERR_CREDENTIALS_NOT_FOUND',
      `No Nebius credentials found; tried ${tried.join('; ')}.${hint === undefined ? '' : ` ${hint}`}`,
    )
  }

  let resolved: Provider | undefined
  let resolvedHonours = false
  let built: Provider | undefined
  let searching: Promise<Found> | undefined
  let closed = false

  function searchOnce(): Promise<Found> {
    const startedAt = Date.now()
    searching ??= search().then(
      (found) => {
        searching = undefined
        if (found.built) built = found.provider
        if (closed) {
          built?.close?.()
          built = undefined
          throw providerClosedError()
        }
        resolved = found.provider
        resolvedHonours = honours(found.provider)
        return found
      },
      (error: unknown) => {
        // Not remembered: credentials may appear later (a login, a mounted file, a booted VM).
        searching = undefined
        emitEvent(onEvent, {
          type: 'refresh-failed',
          ...(name === undefined ? {} : { provider: name }),
          code: NebiusAuthError.isInstance(error) ? error.code : 'ERR_UNKNOWN',
          duration: Date.now() - startedAt,
        })
        throw error
      },
    )
    return searching
  }

  async function searchThenGet(callOptions?: GetTokenOptions): Promise<AccessToken> {
    if (closed) throw providerClosedError()
    callOptions?.signal?.throwIfAborted()
    const { provider, token } = await abortable(searchOnce(), callOptions?.signal)
    // The token the search got serves those who waited for it, unless it is the one they report refused.
    return token !== undefined && callOptions?.rejected !== token.token
      ? token
      : provider.getToken(callOptions)
  }

  // Every call settles at once on an abort: the search through `abortable`, and later calls through the
  // provider found, which is raced against the signal only if it does not honour signals itself.
  const provider = markHonoursSignal({
    getToken(callOptions?: GetTokenOptions): Promise<AccessToken> {
      if (resolved === undefined) return searchThenGet(callOptions)
      const pending = resolved.getToken(callOptions)
      return resolvedHonours ? pending : abortable(pending, callOptions?.signal)
    },
    peek(): AccessToken | undefined {
      return resolved?.peek?.()
    },
    close(): void {
      closed = true
      resolved = undefined
      for (const source of sources) if (typeof source !== 'function') source.close?.()
      built?.close?.()
      built = undefined
    },
  })
  return acceptsName(provider, (given) => {
    name = given
  })
}
