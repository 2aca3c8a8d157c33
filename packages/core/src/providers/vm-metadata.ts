import { signalWithTimeout } from '../common/abortable.js'
import { CredentialsError } from '../common/errors.js'
import { tokenProblem } from './static-token.js'
import { cached, cacheOptionsIn, type CachedOptions } from './cached.js'
import { named } from './named.js'
import type { AccessToken, TokenProvider } from '../common/types.js'

/**
 * The token resource of the Nebius VM metadata service, reachable only from inside a Nebius VM.
 *
 * @example
 * ```ts
 * vmMetadata({ endpoint: defaultMetadataEndpoint }) // the same as vmMetadata()
 * ```
 */
export const defaultMetadataEndpoint = 'http://metadata.nebius.internal/v1/iam/sa/token'

/**
 * Options of {@link vmMetadata}; the cache's ({@link CachedOptions}: `name`, `onEvent`, `now`, `cache`, …)
 * apply too.
 *
 * @example
 * ```ts
 * const options: VmMetadataOptions = { endpoint: 'http://127.0.0.1:8080/v1/iam/sa/token', timeout: 1000 }
 * ```
 */
export interface VmMetadataOptions extends CachedOptions {
  /** The full URL of the token resource. Default `http://metadata.nebius.internal/v1/iam/sa/token`. */
  endpoint?: string
  /** The fetch implementation. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** How long, in milliseconds, one request may take. Default `5000`. The service is local, so it is quick or absent. */
  timeout?: number
}

// RFC 3339 §5.6 date-time: a full date, a time and a mandatory offset ("Z" or ±hh:mm).
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/

/**
 * `transient`: the service was down, slow or overloaded, which a later request may get past; a VM without a
 * service account (404) or a refusal is answered the same way every time.
 */
function unavailable(
  endpoint: string,
  reason: string,
  transient: boolean,
  cause?: unknown,
): CredentialsError {
  return new CredentialsError(
    'ERR_METADATA_UNAVAILABLE',
    `The VM metadata service at ${endpoint} ${reason}`,
    {
      transient,
      ...(cause === undefined ? {} : { cause }),
    },
  )
}

/** Statuses of a service that is there but cannot answer now (RFC 9110 §15.6, RFC 6585 §4). */
function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500
}

function invalid(endpoint: string, reason: string): CredentialsError {
  // The body is never quoted: a half-valid response may still hold a token.
  return new CredentialsError(
    'ERR_METADATA_INVALID_RESPONSE',
    `The VM metadata service at ${endpoint} answered ${reason}`,
  )
}

function checkOptions(options: VmMetadataOptions): { endpoint: string; timeout: number } {
  const { endpoint = defaultMetadataEndpoint, fetch, timeout = 5000 } = options
  let url: URL | undefined
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError('vmMetadata: endpoint must be an http: or https: URL')
  }
  if (fetch !== undefined && typeof fetch !== 'function')
    throw new TypeError('vmMetadata: fetch must be a function')
  if (!(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0)) {
    throw new TypeError('vmMetadata: timeout must be a positive number of milliseconds')
  }
  return { endpoint: url.href, timeout }
}

/**
 * Turns the metadata service's JSON into an {@link AccessToken}.
 *
 * @internal Exported for tests.
 *
 * @example
 * ```ts
 * parseMetadataResponse('{"access_token":"v1.a.b","expires_at":"2030-01-01T00:00:00Z"}', endpoint, Date.now())
 * ```
 */
export function parseMetadataResponse(body: string, endpoint: string, requestedAt: number): AccessToken {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    throw invalid(endpoint, 'with something other than JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(endpoint, 'with a non-object')
  const {
    access_token: token,
    expires_at: expiresAtText,
    expires_in: expiresIn,
  } = value as Record<string, unknown>
  if (typeof token !== 'string') throw invalid(endpoint, 'without an access_token')
  const problem = tokenProblem(token.trim())
  if (problem !== undefined) throw invalid(endpoint, `with an access_token that ${problem}`)
  let expiresAt: number
  if (typeof expiresAtText === 'string' && rfc3339.test(expiresAtText)) {
    expiresAt = Date.parse(expiresAtText)
  } else if (expiresAtText === undefined && typeof expiresIn === 'number' && expiresIn > 0) {
    // Not what the service documents, but a relative lifetime is unambiguous, so accept it.
    expiresAt = requestedAt + expiresIn * 1000
  } else {
    throw invalid(endpoint, 'without a valid RFC 3339 expires_at')
  }
  if (!Number.isFinite(expiresAt)) throw invalid(endpoint, 'with an expires_at that is not a real date')
  if (expiresAt <= requestedAt) throw invalid(endpoint, 'with a token that has already expired')
  return { token: token.trim(), expiresAt }
}

/**
 * A provider for the token of the service account attached to a Nebius VM, from the VM metadata service:
 * `GET http://metadata.nebius.internal/v1/iam/sa/token` with `Metadata: true`.
 *
 * The token is cached and refreshed in the background like any other (see {@link cached}). Errors are
 * `CredentialsError`s: `ERR_METADATA_UNAVAILABLE` (no answer within `timeout`, a network error or a
 * non-200 status, which includes a VM without a service account; `transient` when the service was
 * unreachable, slow, or answered 5xx or 429) and `ERR_METADATA_INVALID_RESPONSE` (not JSON, no
 * `access_token`, no valid `expires_at`, an expired token). Responses are never quoted.
 *
 * @param options - See {@link VmMetadataOptions}.
 *
 * @example
 * ```ts
 * import { vmMetadata } from '@nebius-auth/core'
 *
 * const provider = vmMetadata()
 * const { token, expiresAt } = await provider.getToken()
 * ```
 */
export function vmMetadata(options: VmMetadataOptions = {}): TokenProvider & { close(): void } {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('vmMetadata: options must be an object')
  }
  const { endpoint, timeout } = checkOptions(options)
  const now = options.now ?? Date.now
  const fetchImplementation = options.fetch

  async function fetchToken(signal: AbortSignal): Promise<AccessToken> {
    const requestedAt = now()
    let response: Response
    const bounded = signalWithTimeout(signal, timeout)
    try {
      response = await (fetchImplementation ?? globalThis.fetch)(endpoint, {
        headers: { Metadata: 'true', Accept: 'application/json' },
        // The metadata service never redirects; following one could send the request elsewhere.
        redirect: 'error',
        signal: bounded.signal,
      })
    } catch (error) {
      bounded.done()
      if (signal.aborted) throw error
      const timedOut = error instanceof Error && error.name === 'TimeoutError'
      throw unavailable(
        endpoint,
        timedOut ? `did not answer within ${timeout} ms` : 'cannot be reached',
        true,
        error,
      )
    }
    let body: string
    try {
      body = await response.text()
    } catch (error) {
      if (signal.aborted) throw error
      throw unavailable(endpoint, 'dropped the connection', true, error)
    } finally {
      // The bound covers the body too: a service that sends headers and then stalls is no answer either.
      bounded.done()
    }
    if (response.status !== 200) {
      throw unavailable(endpoint, `answered HTTP ${response.status}`, isTransientStatus(response.status))
    }
    return parseMetadataResponse(body, endpoint, requestedAt)
  }

  return named(options.name ?? 'vm-metadata', cached(fetchToken, cacheOptionsIn(options)))
}
