/**
 * The authorization flow at the level of a fetch function, shared by @nebius-auth/fetch and by the ky
 * adapter (ky sends every attempt through the `fetch` option): the token goes on the way to fetch, so no
 * `Request` the caller or a client library holds ever carries it.
 */
import { bearer, type RequestAuthorizer } from './adapter-support.js'
import { isReplayableBody, parseURL } from './request-parts.js'

type Fetch = typeof globalThis.fetch
/** What fetch takes as its first argument: a URL string, a `URL` or a `Request`. */
type FetchInput = Parameters<Fetch>[0]

/** Releases a body nobody will read; a body that already failed has nothing left to release. */
async function discard(body: ReadableStream | null | undefined): Promise<void> {
  try {
    await body?.cancel()
  } catch {
    // Cancelling an errored stream rejects with its error, which is no news to anyone here.
  }
}

function originOf(url: string): string | undefined {
  return parseURL(url)?.origin
}

/** `init` without its body, for a send whose body already sits in the `Request` passed alongside. */
function withoutBody(init: RequestInit | undefined): RequestInit | undefined {
  return init === undefined ? undefined : { ...init, body: undefined }
}

/** One call of the wrapped fetch, as decided before its first send. */
interface Call {
  readonly fetch: Fetch
  readonly authorizer: RequestAuthorizer
  readonly url: URL
  /** What to send and with which init; a consumable body sits in `target`, a Request. */
  readonly target: FetchInput
  readonly init: RequestInit | undefined
  /**
   * The caller's headers as name/value pairs (`undefined` when there were none), to which ours are added on
   * each send. Pairs, not a Headers copy: fetch checks every pair as it builds its request, so a copy would
   * have every header checked twice, the token included.
   */
  readonly headers: [string, string][] | undefined
  readonly signal: AbortSignal | undefined
  /** The body is consumed by a send (a stream): only a copy taken beforehand can be sent again. */
  readonly consumable: boolean
}

function send(call: Call, to: FetchInput, token: string): Promise<Response> {
  const value = bearer(token)
  // Called as a plain function, never as `call.fetch(…)`: workerd's fetch throws "Illegal invocation" when
  // its `this` is any object other than the global one.
  const { headers, fetch } = call
  if (headers === undefined) return fetch(to, { ...call.init, headers: { authorization: value } })
  return fetch(to, { ...call.init, headers: [...headers, ['authorization', value]] })
}

/** After a 401 to `token`: the one retry with a fresh token, or the 401 itself. */
async function refused(
  call: Call,
  response: Response,
  token: string,
  copy: Request | undefined,
): Promise<Response> {
  const { url } = call
  let retried = false
  try {
    const finalURL = response.url === '' ? url.href : response.url
    const fresh = await call.authorizer.afterRefusal({
      url: finalURL,
      // fetch drops our header when a redirect leaves the origin: such a 401 never saw the token.
      sentToken: originOf(finalURL) === url.origin ? token : undefined,
      replayable: !call.consumable || copy !== undefined,
      signal: call.signal,
    })
    if (fresh === undefined) return response
    // Release the 401's connection now instead of whenever the garbage collector finds its body.
    await discard(response.body)
    retried = true
    return await send(call, copy ?? call.target, fresh)
  } finally {
    // An unread tee branch would otherwise buffer the whole upload until garbage collection.
    if (!retried) void discard(copy?.body)
  }
}

/** The first send with `token`, chained with the 401 check only. */
function attempt(call: Call, token: string, keepRetryCopy: boolean): Promise<Response> {
  if (!call.consumable) {
    return send(call, call.target, token).then((response) =>
      response.status === 401 ? refused(call, response, token, undefined) : response,
    )
  }
  // Sending consumes the body: keep an untouched copy (a tee) for the one retry.
  const copy = keepRetryCopy ? (call.target as Request).clone() : undefined
  return send(call, call.target, token).then(
    (response) => {
      if (response.status === 401) return refused(call, response, token, copy)
      void discard(copy?.body)
      return response
    },
    (error: unknown) => {
      void discard(copy?.body)
      throw error
    },
  )
}

/**
 * Wraps `fetch` so that requests to origins the authorizer allows carry `Authorization: Bearer <token>`, with
 * one retry after a 401 when the provider has a different token. The rules:
 *
 * - A request that already has an `Authorization` header (in `init.headers`, or on the input `Request` when
 *   `init.headers` does not replace its headers) is passed through untouched and never retried.
 * - The token is added in the headers handed to `fetch`, never set on the caller's `Request`.
 * - With a fresh token (`peekToken`) nothing is awaited before `fetch` is called: the result is fetch's own
 *   promise, chained with the 401 check. Only a cold or due token waits for `tokenFor`.
 * - A body that a send consumes (a stream, the body of an input `Request`) is copied first, so the one retry
 *   sends the same bytes; `retryOnUnauthorized: false` skips the copy. Data bodies are sent again as they are.
 * - fetch drops `Authorization` on a redirect to another origin (Fetch standard, HTTP-redirect fetch), so a
 *   401 from another origin is no verdict on our token and is never retried.
 * - Synchronous failures (an invalid header, a bad token) reject, as fetch itself does, never throw.
 *
 * @example
 * ```ts
 * const authorizer = createRequestAuthorizer(options, { client: 'fetch' })
 * const nebiusFetch = authorizeFetch(globalThis.fetch, authorizer)
 * ```
 */
export function authorizeFetch(fetch: Fetch, authorizer: RequestAuthorizer): Fetch {
  const keepRetryCopy = authorizer.retryOnUnauthorized
  // One-entry memo: a caller that sends to the same URL string again (a polling loop, a base URL) parses it
  // once. The URL object never leaves this closure and the kit's `allows` does not mutate it.
  let lastHref: string | undefined
  let lastURL: URL | undefined
  const parse = (href: string): URL | undefined => {
    if (href !== lastHref) {
      lastURL = parseURL(href)
      lastHref = href
    }
    return lastURL
  }

  const authorized = (input: FetchInput, init: RequestInit | undefined): Promise<Response> => {
    const given = input instanceof Request ? input : undefined
    const url = parse(given?.url ?? (typeof input === 'string' ? input : (input as URL).href))
    // Unparseable or carrying credentials: fetch reports it, and no token is asked for.
    if (url === undefined || url.username !== '' || url.password !== '') return fetch(input, init)
    // fetch's own rule: init.headers, when given, replaces the input Request's headers.
    // A Headers object (a Request's always is) is read as it is; anything else is checked and normalised
    // by a Headers built from it, as fetch would.
    const headerSource = init?.headers ?? given?.headers
    const callerHeaders =
      headerSource === undefined || headerSource instanceof Headers ? headerSource : new Headers(headerSource)
    if (callerHeaders?.has('authorization') === true || !authorizer.allows(url)) return fetch(input, init)
    const headers = callerHeaders === undefined ? undefined : [...callerHeaders]

    // The request to send and the init to send it with. A body that a send consumes must sit in a Request
    // (the caller's, or one built here) so it can be copied before that send.
    let target: FetchInput = input
    let targetInit = init
    const initBody = init?.body ?? undefined
    const consumable = initBody === undefined ? (given?.body ?? null) !== null : !isReplayableBody(initBody)
    if (consumable && initBody !== undefined) {
      // Built before any token is asked for, so a missing `duplex` fails first, as with fetch.
      target = new Request(input, init)
      targetInit = withoutBody(init)
    }
    const signal = init?.signal ?? given?.signal ?? undefined
    const call: Call = { fetch, authorizer, url, target, init: targetInit, headers, signal, consumable }

    const token = authorizer.peekToken()
    if (token !== undefined) return attempt(call, token, keepRetryCopy)
    // An already-aborted request must not even start a token exchange.
    signal?.throwIfAborted()
    return authorizer
      .tokenFor(url, signal)
      .then((waited) =>
        waited === undefined ? fetch(target, targetInit) : attempt(call, waited, keepRetryCopy),
      )
  }

  return function fetchWithNebiusAuth(input, init) {
    try {
      return authorized(input, init)
    } catch (error: unknown) {
      // Passed on as it is, as fetch does: an abort reason need not be an Error.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error)
    }
  }
}
