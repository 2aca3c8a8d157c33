import { TokenExchangeError } from '../common/errors.js'
import { concealToken, redactSecrets } from '../common/sanitize.js'
import { isBearerToken } from '../common/token-format.js'
import type { AccessToken } from '../common/types.js'

/*
 * Reading and judging token endpoint responses: RFC 6749 §5.1/§5.2 and RFC 8693 §2.2. Kept apart from
 * the retry loop in token-exchange.ts so each file holds one concern.
 */

/**
 * What `exchangeToken` resolves to: the token plus the response's metadata.
 *
 * @example
 * ```ts
 * const { token, expiresAt, expiresIn } = await exchangeToken(assertion)
 * ```
 */
export interface ExchangedToken extends AccessToken {
  /** `token_type` as the server sent it (`Bearer`, in any case). */
  readonly tokenType: string
  /** RFC 8693 `issued_token_type`. */
  readonly issuedTokenType: string
  /** `expires_in`, in seconds. */
  readonly expiresIn: number
}

// A token response is well under a kilobyte; anything past this is a misdirected page or an attack.
export const maximumBodySize = 64 * 1024
export const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token'

/** The outcome of one attempt that may be worth repeating. */
export interface Transient {
  error: TokenExchangeError
  retryAfter?: number
}

/**
 * Reads at most `limit` bytes of the body; `undefined` when it is longer (the rest is never downloaded:
 * the stream is cancelled, which closes the connection).
 *
 * @example
 * ```ts
 * const text = await readLimited(response, maximumBodySize) // undefined for a 10 MB page
 * ```
 */
export async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel().catch(() => undefined)
    return undefined
  }
  if (response.body === null) return ''
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  const decoder = new TextDecoder()
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join('') + decoder.decode()
}

/**
 * RFC 9110 §10.2.3 `Retry-After`: delay-seconds or an HTTP-date, as milliseconds from `now`; undefined
 * when absent or unreadable.
 *
 * @example
 * ```ts
 * parseRetryAfter('2', Date.now()) // 2000
 * ```
 */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

// RFC 6749 §5.2 and RFC 8693 §2.2.2: the server's own verdict on the request, not a routing answer.
const oauthErrorCodes = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
])

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Server text for an error field: secrets redacted, control characters dropped, length capped. */
function clean(value: string, secrets: readonly string[], limit: number): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const text = redactSecrets(value, secrets).replace(/[\x00-\x1f\x7f]+/g, ' ')
  return text.length > limit ? `${text.slice(0, limit)}…` : text
}

function describeBody(response: Response, text: string | undefined): string {
  if (text === undefined) return `a body over ${maximumBodySize} bytes`
  if (text.trim() === '') return 'an empty body'
  const type = (response.headers.get('content-type') ?? 'no content type').split(';')[0]?.trim().slice(0, 60)
  return `a ${type ?? 'untyped'} body that is not an OAuth JSON response`
}

/**
 * Why a fetch failed, for an error message: the system code and message of its cause (undici wraps them
 * in a bare `TypeError: fetch failed`), cleaned of the request's secrets and control characters.
 *
 * @example
 * ```ts
 * describeNetworkFailure(error, url, [assertion]) // 'network error: connect ECONNREFUSED 127.0.0.1:8080'
 * ```
 */
export function describeNetworkFailure(error: unknown, url: URL, secrets: readonly string[]): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error
  const code = isRecord(cause) && typeof cause.code === 'string' ? clean(cause.code, secrets, 40) : ''
  const message = cause instanceof Error ? clean(cause.message, secrets, 200).trim() : ''
  // The Fetch standard's "bad port" list (6000, 10080, …): fetch refuses before any connection is made.
  if (message === 'bad port') {
    return `network error: bad port (fetch blocks port ${url.port || 'this port'} on the Fetch standard's list of unsafe ports; serve the endpoint on another port)`
  }
  const detail =
    code === '' || message.includes(code) ? message : message === '' ? code : `${code}: ${message}`
  return detail === '' ? 'network error' : `network error: ${detail}`
}

function invalidResponse(message: string, status: number): TokenExchangeError {
  return new TokenExchangeError('ERR_EXCHANGE_INVALID_RESPONSE', message, { status, retryable: false })
}

/**
 * Validates an RFC 6749 §5.1 / RFC 8693 §2.2.1 success response, or throws `ERR_EXCHANGE_INVALID_RESPONSE`.
 * `sentAt` is the clock reading taken before the request went out.
 *
 * @example
 * ```ts
 * const token = parseSuccess(response, await readLimited(response, maximumBodySize), sentAt, [assertion])
 * ```
 */
export function parseSuccess(
  response: Response,
  text: string | undefined,
  sentAt: number,
  secrets: readonly string[],
): ExchangedToken {
  const { status } = response
  const body = parseJson(text)
  if (!isRecord(body)) {
    throw invalidResponse(
      `the token endpoint answered HTTP ${status} with ${describeBody(response, text)}`,
      status,
    )
  }
  const { access_token: token, token_type: tokenType, expires_in: expiresIn } = body
  const issuedTokenType = body.issued_token_type ?? accessTokenType // REQUIRED by RFC 8693, unused here
  if (typeof token !== 'string' || token === '')
    throw invalidResponse('the response has no access_token', status)
  if (!isBearerToken(token)) throw invalidResponse('the access_token is not a valid bearer token', status)
  // RFC 6749 §5.1: token_type is case insensitive.
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw invalidResponse('the response token_type is not Bearer', status)
  }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw invalidResponse('the response expires_in is not a positive number of seconds', status)
  }
  if (typeof issuedTokenType !== 'string')
    throw invalidResponse('the response issued_token_type is not a string', status)
  const expiresAt = sentAt + expiresIn * 1000
  // A finite but huge expires_in (1e306) overflows to Infinity: such a token would never be refreshed.
  if (!Number.isFinite(expiresAt)) {
    throw invalidResponse('the response expires_in is too large to be a lifetime', status)
  }
  return concealToken({
    token,
    expiresAt,
    tokenType,
    // Server text that is shown to users: a server that echoes the assertion here must not leak it.
    issuedTokenType: redactSecrets(issuedTokenType, secrets),
    expiresIn,
  })
}

/**
 * Turns a non-2xx response into a transient outcome (408, 429, 5xx) or throws the permanent error:
 * `ERR_EXCHANGE_REJECTED` for an RFC 6749 §5.2 error, `ERR_EXCHANGE_INVALID_RESPONSE` for anything else.
 * Server-supplied text is cleaned of the request's secrets (subject and actor tokens) before it lands in
 * the error.
 *
 * @example
 * ```ts
 * const transient = classifyFailure(response, text, [assertion], Date.now(), endpoint) // or throws
 * ```
 */
export function classifyFailure(
  response: Response,
  text: string | undefined,
  secrets: readonly string[],
  now: number,
  endpoint?: URL,
): Transient {
  const { status } = response
  // Origin and path only: an endpoint's query could hold something private.
  const where = endpoint === undefined ? '' : ` ${endpoint.origin}${endpoint.pathname}`
  const body = parseJson(text)
  const oauth = isRecord(body) && typeof body.error === 'string' ? body : undefined
  const error = oauth ? clean(oauth.error as string, secrets, 100) : undefined
  const description =
    oauth && typeof oauth.error_description === 'string'
      ? clean(oauth.error_description, secrets, 500)
      : undefined
  if (status === 408 || status === 429 || status >= 500) {
    return {
      error: new TokenExchangeError(
        'ERR_EXCHANGE_UNAVAILABLE',
        `the token endpoint answered HTTP ${status}`,
        {
          status,
          error,
          errorDescription: description,
          retryable: true,
        },
      ),
      retryAfter: parseRetryAfter(response.headers.get('retry-after'), now),
    }
  }
  // A 404 without an RFC 6749 verdict means nothing answers at that path (a typo, a missing
  // /oauth2/token/exchange): say so, rather than that the key was judged.
  if (status === 404 && !(oauth && oauthErrorCodes.has(oauth.error as string))) {
    const detail =
      error === undefined
        ? describeBody(response, text)
        : description === undefined
          ? error
          : `${error}: ${description}`
    const message = `the token endpoint${where} answered HTTP 404 (${detail}): there is no token endpoint at that path; check the endpoint URL (the exchange path is /oauth2/token/exchange)`
    if (error === undefined) throw invalidResponse(message, status)
    // An OAuth-shaped body keeps its documented code; only the words change.
    throw new TokenExchangeError('ERR_EXCHANGE_REJECTED', message, {
      status,
      error,
      errorDescription: description,
      retryable: false,
    })
  }
  if (status >= 400 && error !== undefined) {
    // RFC 6749 §5.2: the server refused the grant itself; repeating the same assertion cannot help.
    const detail = description === undefined ? error : `${error}: ${description}`
    throw new TokenExchangeError(
      'ERR_EXCHANGE_REJECTED',
      `the token endpoint${where} rejected the assertion (HTTP ${status} ${detail})`,
      {
        status,
        error,
        errorDescription: description,
        retryable: false,
      },
    )
  }
  if (status >= 300 && status < 400) {
    throw invalidResponse(
      `the token endpoint answered with a redirect (HTTP ${status}); set the endpoint to its target`,
      status,
    )
  }
  throw invalidResponse(
    `the token endpoint answered HTTP ${status} with ${describeBody(response, text)}`,
    status,
  )
}
