/**
 * Redaction of our `Authorization` header in the objects an HTTP client hands back once a request is done
 * (axios's `config` and `request`, got's `options` and `response.req`, ky's `Request`), so a caller who
 * logs them shows `Bearer v1.abc.**` instead of the token. A sanitized value always ends with `**`, which a
 * Nebius token never does, so it can never pass for a credential; adapters still compare it exactly with
 * the value they produced before treating a re-sent header as their own.
 */
import { bearer } from './adapter-support.js'
import { recallRedaction, rememberRedaction } from '../common/redaction-memo.js'
import { sanitizeToken } from '../common/sanitize.js'

/**
 * The `Authorization` value that stands in for `bearer(token)` once the request is finished:
 * `Bearer ${sanitizeToken(token)}`, which keeps only the token's non-secret leading parts.
 *
 * @example
 * ```ts
 * redactedBearer('v1.CiQxZjY3.c2lnbmF0dXJl') // 'Bearer v1.CiQxZjY3.**'
 * ```
 */
export function redactedBearer(token: string): string {
  return recallRedaction(token) ?? rememberRedaction(token, bearer(sanitizeToken(token)))
}

/**
 * Whether an `Authorization` value is one this adapter wrote for `token`, the token it set on that request:
 * `Bearer <token>`, or the redacted stand-in left behind once the request was done (a client that sends
 * the same config or options again shows that one). Anything else, including a value this adapter wrote for
 * another token, is treated as the caller's own: never replaced, never retried. Keyed on the token, so no
 * list of past values is needed.
 *
 * @example
 * ```ts
 * const current = headers.get('authorization')
 * if (current !== null && !isOurAuthorization(current, attempt.token)) return // the caller's own
 * ```
 */
export function isOurAuthorization(value: unknown, token: string | undefined): boolean {
  if (token === undefined || typeof value !== 'string') return false
  return value === bearer(token) || value === redactedBearer(token)
}

// Node keeps a request's headers under a private symbol (`kOutHeaders`, stable from Node 20 to 24) as
// `{ lowercased name: [name as set, value] }`; found once by its description, since Node does not export it.
let outHeadersKey: symbol | undefined

function outHeadersOf(request: object): Record<string, unknown> | undefined {
  if (outHeadersKey === undefined) {
    const key = Object.getOwnPropertySymbols(request).find((symbol) => symbol.description === 'kOutHeaders')
    // Only a real ClientRequest settles the question; anything else may simply lack the symbol.
    if (key === undefined) return undefined
    outHeadersKey = key
  }
  const headers = (request as Record<symbol, unknown>)[outHeadersKey]
  return typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>) : undefined
}

/**
 * Replaces `bearer(token)` with {@link redactedBearer} in a plain headers object (any casing of the
 * name), leaving every other value, the caller's own `Authorization` included, as it was.
 *
 * @example
 * ```ts
 * const headers = { Authorization: 'Bearer v1.a.secret' }
 * redactHeaders(headers, 'v1.a.secret') // headers.Authorization === 'Bearer v1.a.**'
 * ```
 */
export function redactHeaders(headers: unknown, token: string): void {
  if (typeof headers !== 'object' || headers === null) return
  const live = bearer(token)
  const record = headers as Record<string, unknown>
  for (const name of Object.keys(record)) {
    if (record[name] === live && name.toLowerCase() === 'authorization') record[name] = redactedBearer(token)
  }
}

/** The parts of Node's ClientRequest and of follow-redirects' RedirectableRequest that hold headers. */
interface NodeRequestParts {
  _header?: unknown
  _options?: { headers?: unknown } | null
  _redirectable?: NodeRequestParts | null
  _currentRequest?: unknown
}

/**
 * Redacts `token` in what Node's `http.ClientRequest` keeps after sending: the serialized `_header` string,
 * the header map behind `getHeader()`, and follow-redirects' copy of the options (`_redirectable`, or the
 * follow-redirects request itself, whose `_currentRequest` is the ClientRequest). These
 * are Node internals, stable from Node 20 to 24; each is checked with `typeof` and skipped when absent.
 * A fetch `Request` has its header replaced; anything else (an HTTP/2 stream, a browser XHR) is left alone.
 *
 * @example
 * ```ts
 * redactClientRequest(response.request, token) // axios: response.request is the ClientRequest
 * ```
 */
export function redactClientRequest(request: unknown, token: string): void {
  if (typeof request !== 'object' || request === null) return
  const live = bearer(token)
  if (request instanceof Request) {
    // A fetch `Request` (axios's fetch adapter): its headers stay writable after it was sent.
    if (request.headers.get('authorization') === live)
      request.headers.set('authorization', redactedBearer(token))
    return
  }
  const target = request as NodeRequestParts
  if ('_currentRequest' in target) {
    // follow-redirects' own request object (axios hands it back when no response came): its current hop.
    redactHeaders(target._options?.headers, token)
    if (target._currentRequest !== request) redactClientRequest(target._currentRequest, token)
    return
  }
  if (typeof target._header === 'string' && target._header.includes(live)) {
    target._header = target._header.split(live).join(redactedBearer(token))
  }
  const entry = outHeadersOf(request)?.authorization
  if (Array.isArray(entry) && entry[1] === live) entry[1] = redactedBearer(token)
  redactHeaders(target._redirectable?._options?.headers, token)
}
