/**
 * got hooks that attach a Nebius access token: `beforeRequest` decides per attempt and per redirect hop,
 * `afterResponse` turns a 401 into exactly one retry with a fresh token. Policy lives in core.
 */
import {
  bearer,
  createRequestAuthorizer,
  isOurAuthorization,
  isReplayableBody,
  redactClientRequest,
  redactedBearer,
  redactHeaders,
  type NebiusAuthOptions,
  type RequestAuthorizer,
} from '@nebius-auth/core/adapter'
import { Agent } from 'node:http'

import type { AfterResponseHook, BeforeErrorHook, BeforeRequestHook, Got, Hooks, Options, Request } from 'got'

/** What this adapter did to one request, found through `options.context` so redirects and retries carry it. */
interface AuthorizationRecord {
  /** The token in the `authorization` header we wrote for the current hop, if any. */
  readonly token: string | undefined
  /** The 401 retry already happened: never a second one, and the retry keeps its fresh token. */
  readonly retried: boolean
  /** The caller brought their own Authorization: we never touch this request again. */
  readonly callerOwned: boolean
}

const initialRecord: AuthorizationRecord = { token: undefined, retried: false, callerOwned: false }

/**
 * Where `options.context` keeps a request's record: the record sits in a private field, which neither
 * `util.inspect` nor `JSON.stringify` shows (the record holds the token). A field of the handle rather than
 * a WeakMap entry per request: the warm path then stores one property instead of growing a weak table.
 */
class RecordHandle {
  #record: AuthorizationRecord

  constructor(record: AuthorizationRecord) {
    this.#record = record
  }

  /** The record `handle` holds, or the initial one when the context holds no handle of ours. */
  static recordOf(handle: unknown): AuthorizationRecord {
    return handle instanceof RecordHandle ? handle.#record : initialRecord
  }

  replace(record: AuthorizationRecord): void {
    this.#record = record
  }
}

/** Whether `headers` name Authorization not at all (0), once and in lowercase (1), or otherwise (2). */
type AuthorizationNaming = 0 | 1 | 2

// got 14 keeps mixed-case keys a hook assigned side by side with lowercase ones, so look at every casing.
// A plain loop: this runs for every request, and a filtered array per call showed in the profile.
function authorizationNaming(headers: Options['headers']): AuthorizationNaming {
  let naming: AuthorizationNaming = 0
  for (const name of Object.keys(headers)) {
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue
    if (naming !== 0 || name !== 'authorization') return 2
    naming = 1
  }
  return naming
}

/**
 * Whether the only Authorization header is the one we wrote. `redacted` also accepts the sanitized form we
 * leave behind once a response is final: got's own retry sends the same options again.
 */
function isOurHeader(headers: Options['headers'], record: AuthorizationRecord, redacted = false): boolean {
  const { token } = record
  if (token === undefined) return false
  if (authorizationNaming(headers) !== 1) return false
  const value = headers.authorization
  return redacted ? isOurAuthorization(value, token) : value === bearer(token)
}

/** What got keeps of a sent request besides its options; got 16's `_requestOptions` is a copy of them. */
interface SentParts {
  _request?: unknown
  _requestOptions?: { headers?: unknown } | undefined
  response?: { req?: unknown } | undefined
}

/**
 * Once a response is final (or an error ends the request), our token gives way to its sanitized form in
 * what got hands back: the options (`error.options`, `response.request.options`), got 16's copy of them
 * and Node's ClientRequest (`response.req`), so logging an error or a response shows no token.
 */
function redact(request: Request | undefined, options: Options, token: string | undefined): void {
  if (token === undefined) return
  const { headers } = options
  if (headers.authorization === bearer(token)) headers.authorization = redactedBearer(token)
  const sent = request as SentParts | undefined
  redactHeaders(sent?._requestOptions?.headers, token)
  const current = sent?._request
  redactClientRequest(current, token)
  // Usually the same ClientRequest: redacting it twice changes nothing, it only scans its header again.
  const answered = sent?.response?.req
  if (answered !== current) redactClientRequest(answered, token)
}

/** Streams and iterables are consumed by the first attempt; a retry would send them empty or fail. */
function isReplayable(options: Pick<Options, 'body' | 'isStream'>): boolean {
  return !options.isStream && isReplayableBody(options.body)
}

// For plain http requests that carry our token (loopback only): a process-wide agent may proxy
// (NODE_USE_ENV_PROXY on Node ≥ 22.21/24.5, global-agent), and a proxy would read the token. Free sockets
// of a keep-alive agent are unref'd, so this one never holds the process open.
const directAgent = new Agent({ keepAlive: true })

function createHooks(authorizer: RequestAuthorizer): Partial<Hooks> {
  // One symbol per hooks object: two stacked adapters each see the other's header as the caller's own.
  const key = Symbol('nebius-auth')
  // The context holds only a handle that shows nothing: got shows `options.context` wherever options are
  // logged, and the record holds the token. got copies the context shallowly per request, so the handle
  // travels along, and a record set through one copy is seen through every other.
  const recordOf = (options: Pick<Options, 'context'>): AuthorizationRecord =>
    RecordHandle.recordOf((options.context as Record<symbol, unknown>)[key])
  const remember = (options: Pick<Options, 'context'>, record: AuthorizationRecord): void => {
    const context = options.context as Record<symbol, unknown>
    const handle = context[key]
    if (handle instanceof RecordHandle) handle.replace(record)
    // Assigned, never merged: got 16 merges `context` with Object.entries, which drops symbol keys.
    else context[key] = new RecordHandle(record)
  }

  const attach = (
    options: Parameters<BeforeRequestHook>[0],
    record: AuthorizationRecord,
    url: URL,
    token: string,
  ): void => {
    options.headers.authorization = bearer(token)
    remember(options, { ...record, token })
    // An agent the caller chose is theirs to answer for; got's default (Node's global agent) may proxy.
    const agents = options.agent
    if (url.protocol === 'http:' && agents.http === undefined)
      options.agent = { ...agents, http: directAgent }
  }

  // got runs beforeRequest again for every redirect hop and every retry, with that hop's URL. Not an async
  // function: with a retry's token or a fresh one from the provider, nothing is awaited.
  const beforeRequest: BeforeRequestHook = (options) => {
    const record = recordOf(options)
    if (record.callerOwned) return
    const ours = isOurHeader(options.headers, record, true)
    if (!ours && authorizationNaming(options.headers) !== 0) {
      remember(options, { ...record, token: undefined, callerOwned: true })
      return
    }
    const url = options.url
    if (url === undefined || !authorizer.allows(url)) {
      // got keeps headers on same-origin hops, and our origins may be narrower than got's notion of origin.
      if (ours) delete options.headers.authorization
      remember(options, { ...record, token: undefined })
      return
    }
    const atHand = record.retried && record.token !== undefined ? record.token : authorizer.peekToken()
    if (atHand !== undefined) {
      attach(options, record, url, atHand)
      return
    }
    return authorizer.tokenFor(url, options.signal).then((token) => {
      if (token !== undefined) attach(options, record, url, token)
    })
  }

  /** The one retry after a 401 to our token, or the response as it is. */
  const retryUnauthorized = async (
    response: Parameters<AfterResponseHook>[0],
    retryWithMergedOptions: Parameters<AfterResponseHook>[1],
    record: AuthorizationRecord,
  ): Promise<typeof response> => {
    const options = response.request.options
    const token = await authorizer.afterRefusal({
      url: response.url,
      sentToken: record.token,
      // A stream is not sent twice, but the provider still hears of the refusal.
      replayable: isReplayable(options),
      signal: options.signal,
    })
    if (token === undefined) {
      redact(response.request, options, record.token)
      return response
    }
    remember(options, { ...record, token, retried: true })
    // retryWithMergedOptions retries whatever got's retry limit and method list say, so our own flag is the
    // only bound. preserveHooks: got 16 drops every afterResponse hook on retry and got 14 the later ones;
    // the caller's hooks must still see the final response.
    return retryWithMergedOptions({ headers: { authorization: bearer(token) }, preserveHooks: true })
  }

  const afterResponse: AfterResponseHook = (response, retryWithMergedOptions) => {
    const options = response.request.options
    const record = recordOf(options)
    // Another hook may have replaced our header after us: then our token was not what the server refused.
    if (response.statusCode === 401 && !record.retried && isOurHeader(options.headers, record)) {
      return retryUnauthorized(response, retryWithMergedOptions, record)
    }
    redact(response.request, options, record.token)
    return response
  }

  // got runs beforeError once, when no retry follows: also for errors without a response (a timeout).
  const beforeError: BeforeErrorHook = (error) => {
    // got ≤ 14 also passes errors raised before options existed.
    const options = error.options as Options | undefined
    if (options !== undefined) redact(error.request, options, recordOf(options).token)
    return error
  }

  return { beforeRequest: [beforeRequest], afterResponse: [afterResponse], beforeError: [beforeError] }
}

/**
 * The hooks alone, for composing your own got instance. Only Nebius's own origins (or `origins`) get the token.
 *
 * @example
 * ```ts
 * import got from 'got'
 * import { nebiusAuthHooks } from '@nebius-auth/got'
 *
 * const api = got.extend({ prefixUrl: 'https://inference.example.com', hooks: nebiusAuthHooks() })
 * ```
 */
export function nebiusAuthHooks(options?: NebiusAuthOptions): Partial<Hooks> {
  return createHooks(createRequestAuthorizer(options, { client: 'got' }))
}

/**
 * Returns `instance.extend({ hooks })` with Nebius authentication. By default the instance's `prefixUrl`
 * origin receives the token too.
 *
 * @example
 * ```ts
 * import got from 'got'
 * import { withNebiusAuth } from '@nebius-auth/got'
 *
 * const api = withNebiusAuth(got.extend({ prefixUrl: 'https://inference.example.com' }))
 * const models = await api.get('v1/models').json()
 * ```
 */
export function withNebiusAuth(instance: Got, options?: NebiusAuthOptions): Got {
  const prefixUrl = instance.defaults.options.prefixUrl
  const baseURL = prefixUrl === '' ? undefined : prefixUrl
  const authorizer = createRequestAuthorizer(options, { client: 'got', baseURL })
  return instance.extend({ hooks: createHooks(authorizer) })
}
