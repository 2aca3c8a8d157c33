import { readExternalTokenFile } from '#runtime/files'

import { freshExternalToken, guardSource, type ExternalTokenSource } from './external-token.js'
import { cached, cacheOptionsIn, type CachedOptions } from './cached.js'
import { named } from './named.js'
import {
  exchangeToken,
  jwtTokenType,
  parseEndpoint,
  subjectIdentifierTokenType,
} from '../exchange/token-exchange.js'
import type { AccessToken, TokenProvider } from '../common/types.js'

/**
 * Options of {@link federatedCredentials}: the service account, and exactly one of `token` and `tokenFile`.
 *
 * @example
 * ```ts
 * const options: FederatedCredentialsOptions = {
 *   serviceAccountId: 'serviceaccount-e00example',
 *   tokenFile: '/var/run/secrets/tokens/nebius-token',
 * }
 * ```
 */
export interface FederatedCredentialsOptions extends CachedOptions {
  /** The service account whose federated credentials accept the external JWT (`serviceaccount-…`). */
  serviceAccountId: string
  /**
   * The external OIDC JWT, or a function that returns one (called for every exchange, and once more when
   * what it returned is expired or about to expire), such as `githubActionsToken()`'s.
   */
  token?: string | (() => string | Promise<string>)
  /** A file holding the external JWT, re-read for every exchange (Kubernetes rotates projected tokens). */
  tokenFile?: string
  /** The token exchange URL. Default `https://auth.eu.nebius.com/oauth2/token/exchange`. */
  endpoint?: string
  /** The fetch used for the exchange. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
}

function validate(options: FederatedCredentialsOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('options must be an object')
  }
  const { serviceAccountId, token, tokenFile, endpoint, fetch } = options
  if (typeof serviceAccountId !== 'string' || serviceAccountId.trim() === '') {
    throw new TypeError('options.serviceAccountId must be a non-empty string')
  }
  if ((token === undefined) === (tokenFile === undefined)) {
    throw new TypeError('exactly one of options.token and options.tokenFile is required')
  }
  // The message names the option only: a misplaced JWT must not end up in a log.
  if (
    token !== undefined &&
    typeof token !== 'function' &&
    (typeof token !== 'string' || token.trim() === '')
  ) {
    throw new TypeError('options.token must be a non-empty string or a function')
  }
  if (tokenFile !== undefined && (typeof tokenFile !== 'string' || tokenFile.trim() === '')) {
    throw new TypeError('options.tokenFile must be a non-empty string')
  }
  if (endpoint !== undefined) parseEndpoint(endpoint)
  if (fetch !== undefined && typeof fetch !== 'function')
    throw new TypeError('options.fetch must be a function')
}

function sourceOf(options: FederatedCredentialsOptions): { source: ExternalTokenSource; origin: string } {
  const { token, tokenFile } = options
  if (tokenFile !== undefined) {
    return { source: guardSource(() => readExternalTokenFile(tokenFile), tokenFile), origin: tokenFile }
  }
  if (typeof token === 'function')
    return { source: guardSource(token, 'options.token'), origin: 'options.token' }
  const fixed = token ?? ''
  return { source: () => Promise.resolve(fixed), origin: 'options.token' }
}

/**
 * A provider for a service account reached through its federated credentials: a CI job's or a
 * Kubernetes pod's OIDC token (the external JWT) is exchanged for the account's access token, so no
 * private key is stored anywhere. The exchange is RFC 8693 with `subject_token` = the service account ID
 * (`urn:nebius:params:oauth:token-type:subject_identifier`) and `actor_token` = the external JWT
 * (`urn:ietf:params:oauth:token-type:jwt`), as the official Nebius SDKs send it.
 *
 * The external JWT is taken from its source for every exchange: `tokenFile` is re-read, a `token`
 * function called. One that is expired or expires within 30 s is taken again once; if it is still no
 * good the exchange is skipped and `getToken` fails with `CredentialsError` `ERR_EXTERNAL_TOKEN_EXPIRED`.
 * The cache, single flight, background refresh, backoff and events are those of {@link serviceAccount}.
 * The JWT never appears in an error, an event or the provider's printed form.
 *
 * @param options - `serviceAccountId`, and `token` or `tokenFile`; plus `endpoint`, `fetch`, and the
 *   cache's options ({@link CachedOptions}: `name`, `onEvent`, `now`, `store`, `storeKey`, `cache`).
 * @returns A provider; `close()` stops its timers.
 *
 * @example
 * ```ts
 * import { federatedCredentials, githubActionsToken } from '@nebius-auth/core'
 *
 * // Kubernetes: a projected service-account token
 * const inPod = federatedCredentials({
 *   serviceAccountId: 'serviceaccount-e00example',
 *   tokenFile: '/var/run/secrets/tokens/nebius-token',
 * })
 *
 * // GitHub Actions (the job needs `permissions: id-token: write`)
 * const inCi = federatedCredentials({
 *   serviceAccountId: 'serviceaccount-e00example',
 *   token: githubActionsToken({ audience: 'nebius' }),
 * })
 * const { token } = await inCi.getToken()
 * ```
 */
export function federatedCredentials(
  options: FederatedCredentialsOptions,
): TokenProvider & { close(): void } {
  validate(options)
  const { endpoint, fetch } = options
  const serviceAccountId = options.serviceAccountId.trim()
  const now = options.now ?? (() => Date.now())
  const { source, origin } = sourceOf(options)
  const refreshable = typeof options.token !== 'string'

  async function exchangeExternalToken(signal: AbortSignal): Promise<AccessToken> {
    const actorToken = await freshExternalToken(source, { origin, now, refreshable })
    signal.throwIfAborted()
    return exchangeToken(serviceAccountId, {
      subjectTokenType: subjectIdentifierTokenType,
      actorToken,
      actorTokenType: jwtTokenType,
      endpoint,
      fetch,
      signal,
      now,
    })
  }

  return named(
    options.name ?? 'federated-credentials',
    cached(exchangeExternalToken, cacheOptionsIn(options)),
  )
}
