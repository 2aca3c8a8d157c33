import { abortable, abortableSleep } from '../common/abortable.js'
import { unrefTimer } from '../common/timers.js'
import { nextRetry } from '../common/retry-policy.js'
import { TokenExchangeError } from '../common/errors.js'
import { isLoopbackHost } from '../common/loopback.js'
import {
  accessTokenType,
  classifyFailure,
  describeNetworkFailure,
  maximumBodySize,
  parseSuccess,
  readLimited,
  type ExchangedToken,
  type Transient,
} from './exchange-response.js'

export type { ExchangedToken } from './exchange-response.js'

/**
 * Where Nebius IAM exchanges service-account assertions for access tokens.
 *
 * @example
 * ```ts
 * await exchangeToken(assertion, { endpoint: defaultExchangeEndpoint }) // the same as omitting endpoint
 * ```
 */
export const defaultExchangeEndpoint = 'https://auth.eu.nebius.com/oauth2/token/exchange'

/**
 * Options for {@link exchangeToken}.
 *
 * @example
 * ```ts
 * const options: ExchangeTokenOptions = {
 *   endpoint: 'http://127.0.0.1:8080/oauth2/token/exchange', // a local emulator
 *   timeout: 2000,
 *   signal: AbortSignal.timeout(10_000),
 * }
 * const { token } = await exchangeToken(assertion, options)
 * ```
 */
export interface ExchangeTokenOptions {
  /** The token exchange URL; `https:`, or `http:` to a loopback host. Default {@link defaultExchangeEndpoint}. */
  endpoint?: string
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** Aborts the whole exchange, retries included; the promise rejects with the signal's reason. */
  signal?: AbortSignal
  /** Milliseconds one attempt (request and response body) may take. Default 5000. */
  timeout?: number
  /** The clock, ms since epoch; read before each request is sent to compute `expiresAt`. Default `Date.now`. */
  now?: () => number
  /** Source of the ±20% retry jitter, numbers in [0, 1). Default `Math.random`. */
  random?: () => number
  /** Waits between attempts; tests inject an instant one. Must reject with `signal.reason` on abort. */
  sleep?: (milliseconds: number, signal: AbortSignal | undefined) => Promise<void>
  /**
   * RFC 8693 `subject_token_type`. Default {@link jwtTokenType} (a signed assertion); federated
   * credentials and impersonation send the service account ID as {@link subjectIdentifierTokenType}.
   */
  subjectTokenType?: string
  /** RFC 8693 `actor_token`: an external OIDC JWT or an access token. A secret, like the subject token. */
  actorToken?: string
  /** RFC 8693 `actor_token_type`; required with `actorToken`. */
  actorTokenType?: string
}

/**
 * RFC 8693 §3 token type of a JWT: a service-account assertion, or an external OIDC token as actor.
 *
 * @example
 * ```ts
 * await exchangeToken(serviceAccountId, { subjectTokenType: subjectIdentifierTokenType, actorToken: jwt, actorTokenType: jwtTokenType })
 * ```
 */
export const jwtTokenType = 'urn:ietf:params:oauth:token-type:jwt'

/**
 * Nebius's token type for a subject given by its ID (a service account ID), used with an actor token.
 *
 * @example
 * ```ts
 * await exchangeToken('serviceaccount-e00example', { subjectTokenType: subjectIdentifierTokenType, actorToken, actorTokenType })
 * ```
 */
export const subjectIdentifierTokenType = 'urn:nebius:params:oauth:token-type:subject_identifier'

const defaultTimeout = 5000

/**
 * Checks a token endpoint option: an absolute `https:` URL, or `http:` to a loopback host (the emulator).
 * Throws a TypeError naming `options.endpoint`, never its value.
 *
 * @example
 * ```ts
 * parseEndpoint('https://auth.eu.nebius.com/oauth2/token/exchange').origin // 'https://auth.eu.nebius.com'
 * ```
 */
export function parseEndpoint(endpoint: unknown = defaultExchangeEndpoint): URL {
  if (typeof endpoint !== 'string') throw new TypeError('options.endpoint must be a string')
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new TypeError('options.endpoint must be an absolute URL')
  }
  const loopback = isLoopbackHost(url.hostname)
  // The assertion is a bearer credential for five minutes: it must not cross a network in clear text.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError('options.endpoint must be an https: URL (http: only for loopback hosts)')
  }
  return url
}

function validateOptions(subjectToken: string, options: ExchangeTokenOptions): URL {
  if (typeof subjectToken !== 'string' || subjectToken === '') {
    throw new TypeError('subjectToken must be a non-empty string')
  }
  const { endpoint = defaultExchangeEndpoint, fetch, signal, timeout, now, random, sleep } = options
  const url = parseEndpoint(endpoint)
  if (fetch !== undefined && typeof fetch !== 'function')
    throw new TypeError('options.fetch must be a function')
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('options.signal must be an AbortSignal')
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
    throw new TypeError('options.timeout must be a positive number of milliseconds')
  }
  for (const [name, value] of Object.entries({ now, random, sleep })) {
    if (value !== undefined && typeof value !== 'function')
      throw new TypeError(`options.${name} must be a function`)
  }
  const { subjectTokenType, actorToken, actorTokenType } = options
  for (const [name, value] of Object.entries({ subjectTokenType, actorToken, actorTokenType })) {
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      throw new TypeError(`options.${name} must be a non-empty string`)
  }
  // RFC 8693 §2.1: actor_token_type is REQUIRED when actor_token is present, and MUST NOT be otherwise.
  if ((actorToken === undefined) !== (actorTokenType === undefined)) {
    throw new TypeError('options.actorToken and options.actorTokenType go together')
  }
  return url
}

/**
 * Exchanges a signed assertion for an access token (RFC 8693 token exchange, as Nebius IAM implements it).
 * With `actorToken`, the same request carries an actor (federated credentials, impersonation); the
 * subject is then usually a service account ID sent as {@link subjectIdentifierTokenType}.
 *
 * Each attempt has `timeout` ms. Network errors, timeouts, HTTP 408, 429 and 5xx are retried, up to three
 * attempts, after 1 s × 1.5ⁿ ±20% or the server's `Retry-After` (up to 10 s; longer ends the retries).
 * Errors ({@link TokenExchangeError}): `ERR_EXCHANGE_REJECTED` for an OAuth error response,
 * `ERR_EXCHANGE_UNAVAILABLE` (retryable) when the server could not be reached or kept failing, and
 * `ERR_EXCHANGE_INVALID_RESPONSE` for anything that is not a valid bearer token response. Response bodies
 * are read up to 64 KiB. The result's token is hidden from `util.inspect` and `JSON.stringify`.
 *
 * @example
 * ```ts
 * const assertion = await signAssertion(key)
 * const { token, expiresAt } = await exchangeToken(assertion, { signal: AbortSignal.timeout(20_000) })
 * ```
 */
export async function exchangeToken(
  subjectToken: string,
  options: ExchangeTokenOptions = {},
): Promise<ExchangedToken> {
  const url = validateOptions(subjectToken, options)
  const {
    signal,
    timeout = defaultTimeout,
    now = Date.now,
    random = Math.random,
    sleep = abortableSleep,
  } = options
  const fetchFunction = options.fetch ?? globalThis.fetch
  signal?.throwIfAborted()
  const { subjectTokenType = jwtTokenType, actorToken, actorTokenType } = options
  // RFC 8693 §2.1, with Nebius's token types.
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    requested_token_type: accessTokenType,
    subject_token: subjectToken,
    subject_token_type: subjectTokenType,
  })
  if (actorToken !== undefined && actorTokenType !== undefined) {
    form.set('actor_token', actorToken)
    form.set('actor_token_type', actorTokenType)
  }
  const body = form.toString()
  // Whatever the server echoes back is cleaned of both credentials before it reaches an error.
  const secrets = actorToken === undefined ? [subjectToken] : [subjectToken, actorToken]

  let last: Transient | undefined
  let note = ''
  // Attempts go on until one succeeds, fails for good, or the retry policy gives up.
  for (let attempt = 0; ; attempt++) {
    if (last !== undefined) {
      const next = nextRetry(attempt, last.retryAfter, random)
      if (!next.retry) {
        if (next.tooLong !== undefined) note = ` and asked to retry after ${Math.ceil(next.tooLong / 1000)} s`
        break
      }
      await sleep(next.delay, signal)
    }
    const controller = new AbortController()
    const timedOut = new Error(`no answer within ${timeout} ms`)
    const timer = setTimeout(() => {
      controller.abort(timedOut)
    }, timeout)
    // The request's socket keeps the process alive while it is out; the bound on it must not.
    unrefTimer(timer)
    const onAbort = (): void => {
      controller.abort(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const sentAt = now()
      const result = await abortable(
        (async () => {
          const response = await fetchFunction(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            body,
            // Following a redirect would hand the assertion to whatever the Location names.
            redirect: 'manual',
            signal: controller.signal,
          })
          const text = await readLimited(response, maximumBodySize)
          if (response.ok) return parseSuccess(response, text, sentAt, secrets)
          return classifyFailure(response, text, secrets, now(), url)
        })(),
        controller.signal,
      )
      if ('token' in result) return result
      last = result
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (error instanceof TokenExchangeError) throw error
      const reason =
        controller.signal.reason === timedOut ? timedOut.message : describeNetworkFailure(error, url, secrets)
      last = {
        error: new TokenExchangeError('ERR_EXCHANGE_UNAVAILABLE', `the token endpoint failed: ${reason}`, {
          retryable: true,
          cause: error,
        }),
      }
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }
  const { error } = last
  throw new TokenExchangeError(
    'ERR_EXCHANGE_UNAVAILABLE',
    `token exchange at ${url.origin} failed: ${error.message}${note}`,
    {
      status: error.status,
      error: error.error,
      errorDescription: error.errorDescription,
      retryable: true,
      cause: error.cause ?? error,
    },
  )
}
