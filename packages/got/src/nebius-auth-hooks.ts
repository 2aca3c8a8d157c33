/**
 * got hooks that attach a Nebius access token: `beforeRequest` decides per attempt and per redirect hop,
 * `afterResponse` turns a 401 into exactly one retry with a fresh token. Policy lives in core.
 */
import {
  bearer,
  createRequestAuthorizer,
  type NebiusAuthOptions,
  type RequestAuthorizer,
} from '@nebius-auth/core'
import type { AfterResponseHook, BeforeRequestHook, Got, Hooks, Options } from 'got'

/** What this adapter did to one request, kept in `options.context` so redirects and retries carry it. */
interface AuthorizationRecord {
  /** The token in the `authorization` header we wrote for the current hop, if any. */
  readonly token: string | undefined
  /** The 401 retry already happened: never a second one, and the retry keeps its fresh token. */
  readonly retried: boolean
  /** The caller brought their own Authorization: we never touch this request again. */
  readonly callerOwned: boolean
}

const initialRecord: AuthorizationRecord = { token: undefined, retried: false, callerOwned: false }

// got 14 keeps mixed-case keys a hook assigned side by side with lowercase ones, so look at every casing.
function authorizationKeys(headers: Options['headers']): string[] {
  return Object.keys(headers).filter((name) => name.toLowerCase() === 'authorization')
}

function isOurHeader(headers: Options['headers'], record: AuthorizationRecord): boolean {
  const keys = authorizationKeys(headers)
  return (
    record.token !== undefined &&
    keys.length === 1 &&
    keys[0] === 'authorization' &&
    headers.authorization === bearer(record.token)
  )
}

/** Streams and iterables are consumed by the first attempt; a retry would send them empty or fail. */
function isReplayable(options: Pick<Options, 'body' | 'isStream'>): boolean {
  const body: unknown = options.body
  if (options.isStream || body instanceof ReadableStream) return false
  if (typeof body !== 'object' || body === null) return true
  return !('pipe' in body || 'next' in body || Symbol.asyncIterator in body)
}

function createHooks(authorizer: RequestAuthorizer): Partial<Hooks> {
  // One symbol per hooks object: two stacked adapters each see the other's header as the caller's own.
  const key = Symbol('nebius-auth')
  const recordOf = (options: Pick<Options, 'context'>): AuthorizationRecord =>
    (options.context as Record<symbol, AuthorizationRecord | undefined>)[key] ?? initialRecord
  const remember = (options: Pick<Options, 'context'>, record: AuthorizationRecord): void => {
    // Assigned, never merged: got 16 merges `context` with Object.entries, which drops symbol keys.
    ;(options.context as Record<symbol, AuthorizationRecord>)[key] = record
  }

  // got runs beforeRequest again for every redirect hop and every retry, with that hop's URL.
  const beforeRequest: BeforeRequestHook = async (options) => {
    const record = recordOf(options)
    if (record.callerOwned) return
    const ours = isOurHeader(options.headers, record)
    if (!ours && authorizationKeys(options.headers).length > 0) {
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
    const token =
      record.retried && record.token !== undefined
        ? record.token
        : await authorizer.tokenFor(url, options.signal)
    if (token === undefined) return
    options.headers.authorization = bearer(token)
    remember(options, { ...record, token })
  }

  const afterResponse: AfterResponseHook = async (response, retryWithMergedOptions) => {
    const options = response.request.options
    const record = recordOf(options)
    // Another hook may have replaced our header after us: then our token was not what the server refused.
    if (response.statusCode !== 401 || record.retried || !isOurHeader(options.headers, record))
      return response
    if (!isReplayable(options)) {
      // No second send of a stream, but the next request must not reuse the refused token.
      await authorizer.forgetRejected({
        status: 401,
        url: response.url,
        sentToken: record.token,
        signal: options.signal,
      })
      return response
    }
    const token = await authorizer.tokenForRetry({
      status: response.statusCode,
      url: response.url,
      sentToken: record.token,
      signal: options.signal,
    })
    if (token === undefined) return response
    remember(options, { ...record, token, retried: true })
    // retryWithMergedOptions retries whatever got's retry limit and method list say, so our own flag is the
    // only bound. preserveHooks: got 16 drops every afterResponse hook on retry and got 14 the later ones;
    // the caller's hooks must still see the final response.
    return retryWithMergedOptions({ headers: { authorization: bearer(token) }, preserveHooks: true })
  }

  return { beforeRequest: [beforeRequest], afterResponse: [afterResponse] }
}

/**
 * The hooks alone, for composing your own got instance. Only Nebius's own origins (or `origins`) get the token.
 *
 * @example
 * ```ts
 * import got from 'got'
 * import { nebiusAuthHooks } from '@nebius-auth/got'
 *
 * const api = got.extend({ prefixUrl: 'https://compute.api.eu.nebius.cloud', hooks: nebiusAuthHooks() })
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
 * const api = withNebiusAuth(got.extend({ prefixUrl: 'https://compute.api.eu.nebius.cloud' }))
 * const instances = await api.get('compute/v1/instances').json()
 * ```
 */
export function withNebiusAuth(instance: Got, options?: NebiusAuthOptions): Got {
  const prefixUrl = instance.defaults.options.prefixUrl
  const baseURL = prefixUrl === '' ? undefined : prefixUrl
  const authorizer = createRequestAuthorizer(options, { client: 'got', baseURL })
  return instance.extend({ hooks: createHooks(authorizer) })
}
