import {
  bearer,
  createRequestAuthorizer,
  isOurAuthorization,
  isReplayableBody,
  parseURL,
  redactClientRequest,
  redactedBearer,
  type NebiusAuthOptions,
} from '@nebius-auth/core/adapter'
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios'

type BeforeRedirect = NonNullable<InternalAxiosRequestConfig['beforeRedirect']>

/**
 * What {@link withNebiusAuth} needs of an axios instance, written structurally. axios ships one set of
 * typings for `import` (index.d.ts) and another for `require` (index.d.cts); a nominal `AxiosInstance`
 * from one set rejects an instance typed by the other ("Two different types with this name exist"),
 * which is what a CommonJS TypeScript project under `nodenext` hands us. Any axios instance, from either
 * set, fits this shape, and `withNebiusAuth` returns it with its own type unchanged.
 *
 * @example
 * ```ts
 * const api: AxiosInstanceLike = axios.create()
 * ```
 */
export interface AxiosInstanceLike {
  readonly defaults: { baseURL?: string | undefined }
  readonly interceptors: {
    readonly request: { use(...handlers: never[]): number }
    readonly response: { use(...handlers: never[]): number }
  }
  getUri(...config: never[]): string
  request(...config: never[]): Promise<unknown>
}

/** What this adapter did to one attempt of one request. */
interface Attempt {
  /** The caller's own `beforeRedirect`, still called on every hop after ours. */
  readonly userHook: BeforeRedirect | undefined
  /** Set when this attempt is the one retry after a 401: no second retry, ever. */
  readonly retried: boolean
  /** The token this adapter put in `config.headers`, if any. */
  token?: string
  /** A redirect hop left the allowed origins, so the token was stripped and a 401 is not about it. */
  redirectedAway?: boolean
  /** The fresh token the 401 handler hands to the retry. */
  retryToken?: string
  /** The URL judged to receive a token, between the decision and the attaching. */
  url?: URL
  /** The retry's token, carried over from the attempt it retries. */
  carried?: string
}

// Keyed by our per-attempt `beforeRedirect` guard: axios's mergeConfig drops symbol keys (it walks
// Object.keys; 1.16.1, our floor, still does), but passes `beforeRedirect` through by reference, so the guard
// is what survives `instance.request(config)`.
const attempts = new WeakMap<BeforeRedirect, Attempt>()
const installed = new WeakSet<AxiosInstance>()

const attemptOf = (config: InternalAxiosRequestConfig | undefined): Attempt | undefined =>
  config?.beforeRedirect === undefined ? undefined : attempts.get(config.beforeRedirect)

const signalOf = (config: InternalAxiosRequestConfig): AbortSignal | undefined =>
  config.signal instanceof AbortSignal ? config.signal : undefined

/**
 * Once a request is done, our token gives way to its sanitized form in everything axios hands back: the
 * config (also `error.config`, `response.config` and `toJSON()`) and the sent request. A re-send of the same
 * config still gets a fresh token: `authorize` recognises the sanitized value as ours.
 */
function redact(config: InternalAxiosRequestConfig | undefined, request: unknown): void {
  const token = attemptOf(config)?.token
  if (config === undefined || token === undefined) return
  const { headers } = config
  if (headers.get('Authorization') === bearer(token)) headers.set('Authorization', redactedBearer(token))
  redactClientRequest(request, token)
}

// axios's own tests for an absolute URL and for a malformed `http:` one (isAbsoluteURL, buildFullPath).
const absoluteURL = /^([a-z][a-z\d+\-.]*:)?\/\//i
const malformedOrTabbed = /^https?:(?!\/\/)|[\t\n\r]/i
/** What axios would trim (leading C0 controls and spaces) or reject (`http:` without `//`). */
const unusual = (url: string): boolean => url.charCodeAt(0) <= 0x20 || malformedOrTabbed.test(url)

/**
 * The URL `instance.getUri(config)` gives for an already merged config, without its `mergeConfig` of the
 * instance defaults (most of the adapter's cost per request). Only the plain cases, where every supported
 * axios (1.16.1 to current) builds the same string: no `params`, string URLs, no trailing `//` on the base,
 * nothing axios would normalise or reject. Anything else asks axios.
 */
function requestURL(instance: AxiosInstance, config: InternalAxiosRequestConfig): string {
  const { baseURL, url, allowAbsoluteUrls } = config as InternalAxiosRequestConfig & {
    allowAbsoluteUrls?: boolean
  }
  const params: unknown = config.params
  const plain =
    !params &&
    typeof url === 'string' &&
    !unusual(url) &&
    (baseURL === undefined || (typeof baseURL === 'string' && !unusual(baseURL)))
  if (plain) {
    if (absoluteURL.test(url)) {
      if (!baseURL || allowAbsoluteUrls !== false) return url
    } else if (baseURL !== undefined && baseURL !== '' && !baseURL.endsWith('//')) {
      return url === '' ? baseURL : `${baseURL.replace(/\/$/, '')}/${url.replace(/^\/+/, '')}`
    }
  }
  return instance.getUri(config)
}

/**
 * Installs Nebius authentication on an axios instance and returns the same instance. Requests to allowed
 * origins get `Authorization: Bearer <token>`; a 401 to our token is retried once with a fresher token.
 * Calling it again on the same instance changes nothing: the first options stay in force.
 *
 * - A request that already has an `Authorization` header (any case, also from `defaults.headers`) is left
 *   alone and never retried.
 * - A 401 is handled whether axios rejects it or a custom `validateStatus` accepts it; the second 401
 *   reaches the caller as usual. The retry goes through `instance.request`, so every interceptor runs.
 * - A stream body is never retried (it would be re-sent empty): the caller gets the 401.
 * - On every redirect hop (Node's http adapter) the token is removed when the next URL is not allowed,
 *   before the caller's own `beforeRedirect` runs.
 * - A plain `http:` request that carries our token (loopback only) never goes through a proxy: `proxy` is
 *   set to `false` for it, whatever `HTTP_PROXY` or the config say.
 * - With a fresh token the request interceptor is synchronous (`synchronous: true`), so axios dispatches
 *   without a promise in between when the caller's own request interceptors are synchronous too.
 * - `config.signal` stops the wait for a token; axios then rejects with its own `CanceledError`.
 * - Once a request is done, the response or error's `config` and `request` show our header sanitized
 *   (`Bearer v1.abc.**`), so logging them leaks no token; sending that config again attaches a fresh one.
 *
 * @param instance - An axios instance (`axios.create()`) or the default `axios` export.
 * @param options - See {@link NebiusAuthOptions}. Default origins: the origin of `instance.defaults.baseURL`,
 *   `https://*.nebius.cloud` and `https://*.nebius.com`.
 *
 * @example
 * ```ts
 * import axios from 'axios'
 * import { withNebiusAuth } from '@nebius-auth/axios'
 *
 * const api = withNebiusAuth(axios.create({ baseURL: 'https://inference.example.com' }))
 * const { data } = await api.get('/v1/models')
 * ```
 */
export function withNebiusAuth<T extends AxiosInstanceLike>(instance: T, options?: NebiusAuthOptions): T {
  // Both typings describe the same runtime object: from here on, the one this file was compiled with.
  const client = instance as unknown as AxiosInstance
  if (installed.has(client)) return instance
  const authorizer = createRequestAuthorizer(options, { client: 'axios', baseURL: client.defaults.baseURL })

  const guardRedirects = (attempt: Attempt): BeforeRedirect => {
    const guard: BeforeRedirect = (redirectOptions, responseDetails, requestDetails) => {
      // follow-redirects keeps Authorization on a hop to a subdomain (and axios ≤ 1.20 lets it): we do not.
      const { token } = attempt
      const headers = redirectOptions.headers as Record<string, unknown> | undefined
      if (token !== undefined && headers !== undefined && !authorizer.allows(String(redirectOptions.href))) {
        attempt.redirectedAway = true
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase() === 'authorization' && headers[name] === bearer(token)) {
            Reflect.deleteProperty(headers, name)
          }
        }
      }
      attempt.userHook?.(redirectOptions, responseDetails, requestDetails)
    }
    attempts.set(guard, attempt)
    return guard
  }

  // The parsed base URLs this instance has seen (usually one: defaults.baseURL), so a request to a path
  // under its base URL costs no string building and no URL parse.
  const bases = new Map<string, URL | undefined>()
  // Only for origin lists: a predicate `origins` may look at the path too, so it gets the full URL.
  const byOriginOnly = typeof options?.origins !== 'function'
  const relativeToBase = (config: InternalAxiosRequestConfig): URL | undefined => {
    if (!byOriginOnly) return undefined
    const { baseURL, url } = config
    if (typeof url !== 'string' || typeof baseURL !== 'string' || baseURL === '') return undefined
    if (absoluteURL.test(url) || unusual(url) || unusual(baseURL) || baseURL.endsWith('//')) return undefined
    if (bases.has(baseURL)) return bases.get(baseURL)
    const parsed = parseURL(baseURL)
    if (bases.size < 16) bases.set(baseURL, parsed)
    return parsed
  }

  /**
   * What needs no waiting: this attempt's bookkeeping, the caller's own header, the URL and its origin. The
   * attempt, with the URL that should carry a token, or `undefined` to leave the request as it is.
   */
  const judge = (config: InternalAxiosRequestConfig): Attempt | undefined => {
    const previous = attemptOf(config)
    const attempt: Attempt = {
      userHook: previous?.userHook ?? config.beforeRedirect,
      retried: previous?.retryToken !== undefined,
    }
    config.beforeRedirect = guardRedirects(attempt)
    const { headers } = config
    const current: unknown = headers.get('Authorization')
    if (current !== undefined && current !== null) {
      // Any Authorization but our own earlier one (a config sent again, maybe redacted) is the caller's.
      if (!isOurAuthorization(current, previous?.token)) return undefined
      headers.delete('Authorization')
    }
    // Only the origin decides, so a path relative to the base URL is judged by the base URL, parsed once
    // per instance; allows and tokenFor take the URL object as it is. A relative URL without a base URL
    // is unparseable and, as ever, gets no token.
    const url = relativeToBase(config) ?? parseURL(requestURL(client, config))
    if (url === undefined || !authorizer.allows(url)) return undefined
    attempt.url = url
    attempt.carried = previous?.retryToken
    return attempt
  }

  const attach = (config: InternalAxiosRequestConfig, attempt: Attempt, token: string) => {
    config.headers.set('Authorization', bearer(token))
    attempt.token = token
    // Plain http gets a token only on loopback, and it must stay on this machine: axios would send it to an
    // HTTP_PROXY (or a configured proxy) that reads it. This request goes direct.
    if (attempt.url?.protocol === 'http:') config.proxy = false
    attempt.url = undefined
    return config
  }

  // axios asks every interceptor's runWhen, in the order they were registered, synchronously and with the
  // same config, before it runs any of them; it runs the chain without a promise only when every interceptor
  // that runs is synchronous. So the first runWhen decides whether the token is at hand (a retry's token or
  // a fresh one from the provider) and the second reads that decision: exactly one of the two runs.
  let atHand = false
  // The fresh token that decision saw: a user's own asynchronous interceptor may run between the decision
  // and ours, and the token seen a moment ago is still a token of this provider if the provider has since
  // begun a refresh.
  let peeked: string | undefined
  const decide = (config: InternalAxiosRequestConfig): boolean => {
    if (attemptOf(config)?.retryToken !== undefined) return (atHand = true)
    const token = authorizer.peekToken()
    if (token !== undefined) peeked = token
    return (atHand = token !== undefined)
  }

  const authorizeNow = (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
    const attempt = judge(config)
    const token = attempt?.carried ?? authorizer.peekToken() ?? peeked
    return attempt === undefined || token === undefined ? config : attach(config, attempt, token)
  }

  const authorizeWaiting = async (
    config: InternalAxiosRequestConfig,
  ): Promise<InternalAxiosRequestConfig> => {
    const attempt = judge(config)
    if (attempt?.url === undefined) return config
    const signal = signalOf(config)
    let token: string | undefined
    try {
      token = attempt.carried ?? (await authorizer.tokenFor(attempt.url, signal))
    } catch (error) {
      // Aborted while waiting: axios checks the signal before sending and rejects with its CanceledError.
      if (signal?.aborted === true) return config
      throw error
    }
    return token === undefined ? config : attach(config, attempt, token)
  }

  /** Resolves to the retry's outcome, or to `finish()`: what the caller would have had without us. */
  const retryUnauthorized = async <R>(
    response: AxiosResponse,
    finish: () => R,
  ): Promise<AxiosResponse | R> => {
    const { config } = response
    const giveUp = (): R => {
      redact(config, response.request)
      return finish()
    }
    const attempt = attemptOf(config)
    const sentToken = attempt?.token
    if (response.status !== 401 || attempt === undefined || sentToken === undefined) return giveUp()
    if (attempt.retried || attempt.redirectedAway === true) return giveUp()
    const signal = signalOf(config)
    try {
      // A stream body is not sent twice (it would go out empty), but the provider still hears of the refusal.
      attempt.retryToken = await authorizer.afterRefusal({
        url: client.getUri(config),
        sentToken,
        replayable: isReplayableBody(config.data),
        signal,
      })
    } catch {
      return giveUp()
    }
    if (attempt.retryToken === undefined) return giveUp()
    redactClientRequest(response.request, sentToken)
    return client.request(config)
  }

  client.interceptors.request.use(authorizeNow, null, { synchronous: true, runWhen: decide })
  client.interceptors.request.use(authorizeWaiting, null, { runWhen: () => !atHand })
  client.interceptors.response.use(
    // A custom validateStatus may accept a 401, which then never reaches the rejection handler. Any other
    // status is final at once: redacted and handed on without a trip through the async retry path.
    (response) => {
      if (response.status === 401) return retryUnauthorized(response, () => response)
      redact(response.config, response.request)
      return response
    },
    (error: unknown) => {
      const failed = error as Partial<Pick<AxiosError, 'config' | 'request' | 'response'>> | null
      const fail = (): never => {
        throw error
      }
      const response = failed?.response
      if (response?.config !== undefined) return retryUnauthorized(response, fail)
      // No response (a timeout, a refused connection): still done, so the error shows no token either.
      redact(failed?.config, failed?.request)
      return fail()
    },
  )
  installed.add(client)
  return instance
}
