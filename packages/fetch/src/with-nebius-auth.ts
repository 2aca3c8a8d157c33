import { bearer, createRequestAuthorizer, parseURL, type NebiusAuthOptions } from '@nebius-auth/core/adapter'

type Fetch = typeof globalThis.fetch

/** Releases a body nobody will read; a body that already failed has nothing left to release. */
async function discard(body: ReadableStream | null): Promise<void> {
  try {
    await body?.cancel()
  } catch {
    // Cancelling an errored stream rejects with its error, which is no news to anyone here.
  }
}

function originOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).origin : undefined
}

/**
 * Wraps a fetch function so that requests to allowed origins carry `Authorization: Bearer <token>`, with
 * one retry on a 401 when the provider has a fresher token. The result has fetch's own signature.
 *
 * - Requests to other origins, and requests that already carry an `Authorization` header (in
 *   `init.headers` or on the input `Request`), are passed through untouched and never retried.
 * - A request body is cloned before the first attempt so the one retry sends the same bytes, streams
 *   included (a `ReadableStream` body needs `duplex: 'half'`, exactly as with fetch). The copy is kept
 *   in memory until the first response arrives; `retryOnUnauthorized: false` skips it.
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
  const authorizer = createRequestAuthorizer(options, { client: 'fetch' })
  const keepRetryCopy = options?.retryOnUnauthorized !== false

  /**
   * The common case, a URL and no body, without building a `Request` here: fetch builds one anyway, and a
   * second one per call was the adapter's largest cost. `undefined` when the request needs the full path.
   */
  const fetchURL = async (
    input: string | URL,
    init: RequestInit | undefined,
  ): Promise<Response | undefined> => {
    const url = parseURL(typeof input === 'string' ? input : input.href)
    // Unparseable (fetch's own error is wanted) or carrying credentials (fetch refuses them): the full path
    // lets fetch report it before any token is requested, as before.
    if (url === undefined || url.username !== '' || url.password !== '') return undefined
    const callerHeaders = init?.headers
    const headers = callerHeaders === undefined ? undefined : new Headers(callerHeaders)
    if (headers?.has('authorization') === true || !authorizer.allows(url)) return fetch(input, init)
    const signal = init?.signal ?? undefined
    // An already-aborted request must not even start a token exchange.
    signal?.throwIfAborted()
    const token = await authorizer.tokenFor(url, signal)
    if (token === undefined) return fetch(input, init)
    const send = (value: string): Promise<Response> => {
      if (headers === undefined) return fetch(input, { ...init, headers: { authorization: value } })
      headers.set('authorization', value)
      return fetch(input, { ...init, headers })
    }
    const response = await send(bearer(token))
    if (response.status !== 401) return response
    // fetch drops our header when a redirect leaves the origin, so such a 401 is no verdict on our token.
    const finalURL = response.url === '' ? url.href : response.url
    const sentToken = originOf(finalURL) === url.origin ? token : undefined
    const fresh = await authorizer.tokenForRetry({ status: 401, url: finalURL, sentToken, signal })
    if (fresh === undefined) return response
    // Release the 401's connection now instead of whenever the garbage collector finds its body.
    await discard(response.body)
    return send(bearer(fresh))
  }

  return async function fetchWithNebiusAuth(input, init) {
    if (
      (typeof input === 'string' || input instanceof URL) &&
      (init?.body === undefined || init.body === null)
    ) {
      const response = await fetchURL(input, init)
      if (response !== undefined) return response
    }
    // Build the request exactly as fetch would (init overrides the input Request's fields), so the
    // headers, body and signal inspected here are the ones that would go on the wire.
    const request = new Request(input, init)
    const { signal } = request
    const url = parseURL(request.url)
    if (url === undefined || request.headers.has('authorization') || !authorizer.allows(url))
      return fetch(request)

    // An already-aborted request must not even start a token exchange.
    signal.throwIfAborted()
    const token = await authorizer.tokenFor(url, signal)
    if (token === undefined) return fetch(request)
    request.headers.set('authorization', bearer(token))
    // Sending a Request consumes its body: keep an untouched copy (a tee for streams) for the one retry.
    const retryRequest = keepRetryCopy && request.body !== null ? request.clone() : request

    let retried = false
    try {
      const response = await fetch(request)
      if (response.status !== 401) return response
      // fetch drops our header when a redirect leaves the origin, so such a 401 is no verdict on our token.
      const finalURL = response.url === '' ? request.url : response.url
      const sentToken = originOf(finalURL) === originOf(request.url) ? token : undefined
      const fresh = await authorizer.tokenForRetry({ status: 401, url: finalURL, sentToken, signal })
      if (fresh === undefined) return response
      // Release the 401's connection now instead of whenever the garbage collector finds its body.
      await discard(response.body)
      retryRequest.headers.set('authorization', bearer(fresh))
      retried = true
    } finally {
      // An unread tee branch would otherwise buffer the whole upload until garbage collection.
      if (!retried && retryRequest !== request) void discard(retryRequest.body)
    }
    return fetch(retryRequest)
  }
}
