import { NebiusAuthError } from '../common/errors.js'
import { accessTokenType } from '../exchange/exchange-response.js'
import { cached, cacheOptionsIn, type CachedOptions } from './cached.js'
import { named } from './named.js'
import { exchangeToken, parseEndpoint, subjectIdentifierTokenType } from '../exchange/token-exchange.js'
import type { AccessToken, TokenProvider } from '../common/types.js'

/**
 * Options of {@link impersonate}.
 *
 * @example
 * ```ts
 * const options: ImpersonateOptions = { serviceAccountId: 'serviceaccount-e00deploy', actor: cliToken() }
 * ```
 */
export interface ImpersonateOptions extends CachedOptions {
  /** The service account to act as (`serviceaccount-…`); the actor must be allowed to impersonate it. */
  serviceAccountId: string
  /** Whose access token is presented as the actor: any provider (a user's CLI token, another account). */
  actor: TokenProvider
  /** The token exchange URL. Default `https://auth.eu.nebius.com/oauth2/token/exchange`. */
  endpoint?: string
  /** The fetch used for the exchange. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
}

function validate(options: ImpersonateOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('options must be an object')
  }
  const { serviceAccountId, actor, endpoint, fetch } = options
  if (typeof serviceAccountId !== 'string' || serviceAccountId.trim() === '') {
    throw new TypeError('options.serviceAccountId must be a non-empty string')
  }
  if (typeof actor !== 'object' || (actor as unknown) === null || typeof actor.getToken !== 'function') {
    throw new TypeError('options.actor must be a TokenProvider (an object with getToken)')
  }
  if (endpoint !== undefined) parseEndpoint(endpoint)
  if (fetch !== undefined && typeof fetch !== 'function')
    throw new TypeError('options.fetch must be a function')
}

function isRejection(error: unknown): boolean {
  return NebiusAuthError.isInstance(error) && error.code === 'ERR_EXCHANGE_REJECTED'
}

/**
 * A provider for a service account that another principal (the actor) acts as: the actor's access token
 * is exchanged (RFC 8693, `subject_token` = the service account ID as
 * `urn:nebius:params:oauth:token-type:subject_identifier`, `actor_token` = the actor's access token as
 * `urn:ietf:params:oauth:token-type:access_token`) for the service account's own token, cached and
 * refreshed like {@link serviceAccount}'s.
 *
 * When IAM rejects the exchange (`ERR_EXCHANGE_REJECTED`), the actor's token may be the reason (expired,
 * revoked): it is refreshed once through the actor, `actor.getToken({ rejected })`, and the exchange
 * repeated only if that gave a different token. A static actor cannot refresh, so its rejection reaches
 * the caller at once. The actor is not closed by this provider's `close()`: it belongs to the caller.
 *
 * @param options - `serviceAccountId` and `actor`; plus `endpoint`, `fetch`, and the cache's options
 *   ({@link CachedOptions}: `name`, `onEvent`, `now`, `store`, `storeKey`, `cache`).
 * @returns A provider; `close()` stops its timers.
 *
 * @example
 * ```ts
 * import { cliToken, impersonate } from '@nebius-auth/core'
 *
 * // A developer acts as the deploy service account with their own `nebius` CLI login.
 * const provider = impersonate({ serviceAccountId: 'serviceaccount-e00deploy', actor: cliToken() })
 * const { token } = await provider.getToken()
 * ```
 */
export function impersonate(options: ImpersonateOptions): TokenProvider & { close(): void } {
  validate(options)
  const { actor, endpoint, fetch } = options
  const serviceAccountId = options.serviceAccountId.trim()
  const now = options.now ?? (() => Date.now())

  const exchange = (actorToken: string, signal: AbortSignal) =>
    exchangeToken(serviceAccountId, {
      subjectTokenType: subjectIdentifierTokenType,
      actorToken,
      actorTokenType: accessTokenType,
      endpoint,
      fetch,
      signal,
      now,
    })

  async function exchangeActorToken(signal: AbortSignal): Promise<AccessToken> {
    const { token: actorToken } = await actor.getToken({ signal })
    try {
      return await exchange(actorToken, signal)
    } catch (error) {
      if (!isRejection(error)) throw error
      // Compare-and-refresh on the actor: a provider that already holds a newer token hands it over.
      const { token: refreshed } = await actor.getToken({ signal, rejected: actorToken })
      if (refreshed === actorToken) throw error
      return exchange(refreshed, signal)
    }
  }

  return named(options.name ?? 'impersonate', cached(exchangeActorToken, cacheOptionsIn(options)))
}
