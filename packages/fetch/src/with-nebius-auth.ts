import { authorizeFetch, createRequestAuthorizer, type NebiusAuthOptions } from '@nebius-auth/core/adapter'

type Fetch = typeof globalThis.fetch

/**
 * Wraps a fetch function so that requests to allowed origins carry `Authorization: Bearer <token>`, with
 * one retry on a 401 when the provider has a fresher token. The result has fetch's own signature.
 *
 * - Requests to other origins, and requests that already carry an `Authorization` header (in
 *   `init.headers` or on the input `Request`), are passed through untouched and never retried.
 * - A body that sending consumes (a `ReadableStream`, which needs `duplex: 'half'` exactly as with fetch,
 *   or the body of an input `Request`) is copied before the first attempt so the one retry sends the same
 *   bytes; the copy is kept in memory until the first response arrives, and `retryOnUnauthorized: false`
 *   skips it. Strings, bytes, `FormData` and the like are simply sent again.
 * - The token goes into the headers handed to fetch, never onto your `Request` object.
 * - With a fresh token nothing is awaited before fetch is called; only a cold or expiring token is
 *   waited for.
 * - Redirects are fetch's own: `redirect: 'follow'` drops `Authorization` on every cross-origin hop
 *   (Fetch standard, HTTP-redirect fetch), so a token never follows a redirect to another origin.
 * - The request's `signal` also stops the wait for a token, rejecting with the signal's reason.
 *
 * @param fetch - The fetch to wrap, usually `globalThis.fetch`; any function with fetch's signature.
 * @param options - See {@link NebiusAuthOptions}. Default origins: `https://*.nebius.cloud` and
 *   `https://*.nebius.com`, as fetch has no base URL. Invalid options throw a `TypeError` naming the option.
 * @returns A function with fetch's signature.
 *
 * @example
 * ```ts
 * import { serviceAccount } from '@nebius-auth/core'
 * import { withNebiusAuth } from '@nebius-auth/fetch'
 *
 * // An HTTP service of yours that accepts Nebius IAM tokens (the Nebius cloud API itself is gRPC only).
 * const nebiusFetch = withNebiusAuth(fetch, {
 *   provider: serviceAccount({ credentialsFile: 'credentials.json' }),
 *   origins: ['https://inference.example.com'],
 * })
 * const response = await nebiusFetch('https://inference.example.com/v1/models')
 * ```
 */
export function withNebiusAuth(fetch: Fetch, options?: NebiusAuthOptions): Fetch {
  if (typeof fetch !== 'function')
    throw new TypeError('fetch: expected a function with the signature of fetch')
  // The flow lives in core's adapter kit, which the ky adapter shares for the fetch ky calls.
  return authorizeFetch(fetch, createRequestAuthorizer(options, { client: 'fetch' }))
}
