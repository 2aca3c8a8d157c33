/**
 * The decisions every HTTP-client adapter shares, kept here once so axios, got, ky and fetch cannot drift
 * apart: which URLs get the token, and whether a 401 earns exactly one retry with a fresh token.
 */
import { defaultProvider } from '#platform/providers'

import { abortable, honours } from '../common/abortable.js'
import { NebiusAuthError } from '../common/errors.js'
import { isBearerToken } from '../common/token-format.js'
import { parseURL } from './request-parts.js'
import type { NebiusAuthEventListener } from '../common/events.js'
import { emitEvent } from '../runtime/emit-event.js'
import { createOriginMatcher, type OriginsOption } from './origins.js'
import type { TokenProvider } from '../common/types.js'

/**
 * The options every adapter (`withNebiusAuth`, `nebiusAuthHooks`) takes.
 *
 * @example
 * ```ts
 * const options: NebiusAuthOptions = {
 *   provider: serviceAccount({ credentialsFile: 'credentials.json' }),
 *   origins: ['https://*.nebius.cloud', 'http://127.0.0.1:8080'],
 *   retryOnUnauthorized: true,
 * }
 * const api = withNebiusAuth(axios.create(), options)
 * ```
 */
export interface NebiusAuthOptions {
  /**
   * Where tokens come from. Default: `defaultProvider()` (from `@nebius-auth/core`), one `fromEnvironment()` shared by every
   * adapter of the process (per distinct environment), resolved lazily on the first request (Node.js, Bun
   * and Deno; required on web runtimes such as Cloudflare Workers and Vercel's edge runtime).
   */
  provider?: TokenProvider
  /**
   * Origins that receive the token: `'https://host[:port]'`, a leading `'*.'` wildcard label allowed, or a
   * predicate. Default: the client's base URL origin when it has one, plus `https://*.nebius.cloud` and
   * `https://*.nebius.com`. Plain `http:` only ever reaches loopback hosts named explicitly.
   */
  origins?: OriginsOption
  /**
   * Retry once with a fresh token when an allowed origin answers 401 to our token. Default `true`. With
   * `false` the 401 reaches the caller as it is, but the provider still hears that the token was refused,
   * so the next request gets a fresh one instead of the same refusal until the token expires.
   */
  retryOnUnauthorized?: boolean
  /** Receives `unauthorized-retry` and `origin-not-allowed` events (never a token). */
  onEvent?: NebiusAuthEventListener
}

/**
 * A request the server refused for its credentials (HTTP 401, gRPC `UNAUTHENTICATED`), as the adapter saw
 * it: what was sent where, and whether it could be sent again. The adapter decides what counts as a
 * refusal in its protocol; {@link RequestAuthorizer.afterRefusal} decides what follows.
 *
 * @example
 * ```ts
 * const refusal: Refusal = { url: response.url, sentToken, replayable: isReplayableBody(body), signal }
 * const fresh = await authorizer.afterRefusal(refusal)
 * ```
 */
export interface Refusal {
  /** The URL that refused: after redirects, the last hop's (for gRPC, the channel's `https://host:port`). */
  url: string | URL
  /** The token this adapter attached to the refused request; `undefined` if it attached none. */
  sentToken: string | undefined
  /** Whether the request can be sent again as it was; a consumed stream body cannot. */
  replayable: boolean
  /** The caller's signal: an abort during the refresh rejects with its reason. */
  signal?: AbortSignal | undefined
}

/**
 * One adapter instance's view of the options: built once, asked on every request.
 *
 * @example
 * ```ts
 * const authorizer: RequestAuthorizer = createRequestAuthorizer({ provider }, { client: 'my-client' })
 * if (authorizer.allows(url)) headers.set('authorization', bearer((await authorizer.tokenFor(url))!))
 * ```
 */
export interface RequestAuthorizer {
  readonly provider: TokenProvider
  /** The `retryOnUnauthorized` option as resolved: an adapter that keeps a copy of a body only for the retry skips it when `false`. */
  readonly retryOnUnauthorized: boolean
  /**
   * Whether `url` may receive the token. Unparseable URLs never do. The first refusal of an origin emits
   * `origin-not-allowed` (also printed by `NODE_DEBUG=nebius-auth`), so a request that silently goes out
   * without a token can be noticed.
   */
  allows(url: string | URL): boolean
  /**
   * The token to attach to a request for `url`, or `undefined` when the origin is not allowed; a `URL` object
   * is used as it is, so an adapter that already parsed the URL (for `allows`) does not parse it again. An abort of
   * `signal` ends the wait at once with the signal's reason, even if the provider ignores the signal. A token
   * that cannot travel as `Bearer <token>` (a line break, a space, a control character) rejects with
   * `ERR_TOKEN_INVALID`, whose message and properties hold no part of it.
   */
  tokenFor(url: string | URL, signal?: AbortSignal): Promise<string | undefined>
  /**
   * The fast path for a request already judged by {@link allows}: the provider's token when it is fresh
   * and can be attached without waiting (see `TokenProvider.peek`), else `undefined`, and the adapter
   * awaits {@link tokenFor} instead. Synchronous, starts nothing, allocates nothing for a cached token. A
   * token that cannot travel as a bearer token is never offered here; `tokenFor` reports it.
   */
  peekToken(): string | undefined
  /**
   * The one decision after a refused request, shared by every adapter: the fresh token to send it again with,
   * exactly once, or `undefined` for no retry (the caller gets the refusal as it is).
   *
   * Nothing happens unless the request carried our token (`sentToken`) and `url` is allowed: a refusal of
   * the caller's own header, or from an origin that never saw the token, is none of the provider's business.
   * Otherwise the provider hears that the token was refused (`getToken({ rejected })`), so the next request
   * gets a fresh one instead of the same refusal until expiry; and only when the request is `replayable`
   * and `retryOnUnauthorized` is on, a fresh token that differs from the refused one is returned (a static
   * token is never retried) and `unauthorized-retry` is emitted. A failed refresh, or a fresh token that
   * cannot be sent (as in {@link tokenFor}), means no retry; the provider reports the failure through its own
   * events. An abort of `signal` while a retry waits rejects with the signal's reason; without a retry
   * in prospect it never rejects.
   *
   * The adapter keeps its own "already retried" mark: this method cannot tell a retry's refusal from a
   * first one.
   */
  afterRefusal(refusal: Refusal): Promise<string | undefined>
}

function validateOptions(options: NebiusAuthOptions): void {
  const { provider, retryOnUnauthorized, onEvent } = options
  if (provider !== undefined && typeof (provider as Partial<TokenProvider>).getToken !== 'function') {
    throw new TypeError('provider: expected an object with a getToken() method')
  }
  if (retryOnUnauthorized !== undefined && typeof retryOnUnauthorized !== 'boolean') {
    throw new TypeError('retryOnUnauthorized: expected a boolean')
  }
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new TypeError('onEvent: expected a function')
  }
}

/**
 * Builds the shared request policy for one adapter instance. Adapters stay thin: they translate their
 * client's request objects to URLs and headers and ask this object what to do.
 *
 * @example
 * ```ts
 * const authorizer = createRequestAuthorizer({ provider }, { client: 'fetch' })
 * const token = await authorizer.tokenFor('https://inference.example.com/v1/models')
 * if (token !== undefined) headers.set('authorization', bearer(token))
 * ```
 */
export function createRequestAuthorizer(
  options: NebiusAuthOptions | undefined,
  context: { client: string; baseURL?: string | URL | undefined },
): RequestAuthorizer {
  if (options !== undefined && (typeof options !== 'object' || (options as unknown) === null)) {
    throw new TypeError('options: expected an object')
  }
  const resolved = options ?? {}
  validateOptions(resolved)
  // The process's shared fromEnvironment() on Node, Bun and Deno; on a web runtime, an ERR_UNSUPPORTED_RUNTIME
  // asking for `provider`.
  const provider = resolved.provider ?? defaultProvider()
  const retry = resolved.retryOnUnauthorized ?? true
  const matches = createOriginMatcher(resolved.origins, context.baseURL)
  const signalHonoured = honours(provider)
  // Origins already reported as refused: one event per origin, not one per request.
  const reported = new Set<string>()

  const refuse = (url: URL): false => {
    const { origin } = url
    // Only http(s) has an origin worth naming ('null' otherwise); a bounded set, as origins are endless.
    if (origin !== 'null' && !reported.has(origin) && reported.size < 1000) {
      reported.add(origin)
      emitEvent(resolved.onEvent, { type: 'origin-not-allowed', origin, client: context.client })
    }
    return false
  }

  // One-entry memo: an adapter that keeps one URL object per base URL (axios) asks about the same object
  // for every request. URL objects are mutable (a client may reuse one across redirect hops), so a hit
  // needs the same object with the same href, never the object alone.
  let lastURL: URL | undefined
  let lastHref = ''
  let lastAllowed = false
  const allows = (url: string | URL): boolean => {
    if (url === lastURL && url.href === lastHref) return lastAllowed
    const parsed = parseURL(url)
    if (parsed === undefined) return false
    const allowed = matches(parsed) || refuse(parsed)
    if (parsed === url) {
      lastURL = parsed
      lastHref = parsed.href
      lastAllowed = allowed
    }
    return allowed
  }

  // A provider of the caller's own may hand out anything: a line break in a token would inject headers, and
  // clients echo a bad header value, token and all, in their errors. Checked once per distinct token (the
  // last good one is remembered), so a cached token costs one string comparison per request.
  let lastGoodToken: string | undefined
  const usable = (token: string): boolean => {
    if (token === lastGoodToken) return true
    if (!isBearerToken(token)) return false
    lastGoodToken = token
    return true
  }
  const checked = (token: string): string => {
    if (usable(token)) return token
    throw new NebiusAuthError(
      'ERR_TOKEN_INVALID',
      'The token provider returned a token that cannot be sent as a bearer token (it must be visible ASCII without spaces or line breaks)',
    )
  }

  const afterRefusal = async (refusal: Refusal): Promise<string | undefined> => {
    const { url, sentToken, signal } = refusal
    if (sentToken === undefined || !allows(url)) return undefined
    const rejected = { rejected: sentToken, ...(signal === undefined ? {} : { signal }) }
    if (!retry || !refusal.replayable) {
      // No retry, but the refused token must not stay attached until it expires. Nobody waits on the
      // outcome, so neither a failed refresh nor an abort is news to the caller.
      await abortable(provider.getToken(rejected), signal).catch(() => undefined)
      return undefined
    }
    let fresh: string
    try {
      fresh = (await abortable(provider.getToken(rejected), signal)).token
    } catch (error) {
      // An abort is the caller's own decision and must surface as such; anything else is a failed refresh.
      if (signal?.aborted === true) throw error
      return undefined
    }
    // A token that cannot be sent is a failed refresh: no retry, the caller gets the refusal.
    if (fresh === sentToken || !usable(fresh)) return undefined
    const parsed = parseURL(url)
    emitEvent(resolved.onEvent, {
      type: 'unauthorized-retry',
      origin: parsed === undefined ? '' : parsed.origin,
      client: context.client,
    })
    return fresh
  }

  return {
    provider,
    retryOnUnauthorized: retry,
    allows,
    peekToken() {
      const current = provider.peek?.()
      return current !== undefined && usable(current.token) ? current.token : undefined
    },
    async tokenFor(url, signal) {
      if (!allows(url)) return undefined
      if (signal === undefined) return checked((await provider.getToken()).token)
      const pending = provider.getToken({ signal })
      // Core's own providers end the wait on an abort themselves; only a foreign provider needs the wrapper.
      return checked((await (signalHonoured ? pending : abortable(pending, signal))).token)
    },
    afterRefusal,
  }
}

/**
 * The `Authorization` header value for a token.
 *
 * @example
 * ```ts
 * request.headers.set('authorization', bearer(token)) // 'Bearer v1.…'
 * ```
 */
export function bearer(token: string): string {
  return `Bearer ${token}`
}
