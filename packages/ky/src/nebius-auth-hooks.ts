import {
  bearer,
  createRequestAuthorizer,
  isReplayableBody,
  redactedBearer,
  type NebiusAuthOptions,
} from '@nebius-auth/core/adapter'
import type { Hooks, HTTPError, NormalizedOptions } from 'ky'

import { resend, transportKey, type Transport } from './request-replay.js'

type Options = Readonly<Record<PropertyKey, unknown>> & Partial<NormalizedOptions>

interface HookCall {
  readonly request: Request
  readonly options: Options
  readonly response?: Response | undefined
}

/** ky 1 passes `(request, options, state)` or `(request, options, response, state)`; ky 2 one state object. */
function readCall(parameters: readonly unknown[]): HookCall {
  const [first, options, response] = parameters
  if (typeof first === 'object' && first !== null && 'request' in first) return first as HookCall
  return {
    request: first as Request,
    options: options as Options,
    response: response as Response | undefined,
  }
}

/** ky 1 passes `(error, state)` to beforeError; ky 2 one state object that also holds its current request. */
function requestsOfError(parameters: readonly unknown[]): { error: unknown; requests: unknown[] } {
  const [first] = parameters
  const state = first as { error?: unknown; request?: unknown } | null | undefined
  if (!(first instanceof Error) && typeof state === 'object' && state !== null && 'error' in state) {
    return {
      error: state.error,
      requests: [(state.error as { request?: unknown } | null)?.request, state.request],
    }
  }
  return { error: first, requests: [(first as { request?: unknown } | null | undefined)?.request] }
}

function originOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).origin : undefined
}

/** How many header values to remember as ours: far more than the tokens in flight during one rotation. */
const rememberedValues = 32

/**
 * The hooks behind {@link nebiusAuthHooks}: the token set on ky's `Request` in `beforeRequest` and
 * `beforeRetry`, the 401 retry in `afterResponse`, redaction once a response is final. `withNebiusAuth`
 * needs none of them: it works in the fetch ky calls.
 *
 * @example
 * ```ts
 * const hooks = createHooks({ provider })
 * ```
 */
export function createHooks(
  options: NebiusAuthOptions | undefined,
): Required<Pick<Hooks, 'beforeRequest' | 'beforeRetry' | 'afterResponse' | 'beforeError'>> {
  const authorizer = createRequestAuthorizer(options, { client: 'ky' })
  // Header values this adapter set, mapped to their token. ky 1 re-runs beforeRequest on a copy of the sent
  // request, so "carries an Authorization" alone cannot tell our stale token from the caller's own header.
  // A sanitized value we left behind (see `redact`) maps to undefined: ours, but never a token that was sent.
  const attached = new Map<string, string | undefined>()
  // ky 2 with `retry: 0` sends the only copy of the body; keep one for the 401 retry (never for streams).
  const bodyCopies = new WeakMap<Request, Request>()
  // Requests that already redact themselves when their signal aborts.
  const redactOnAbort = new WeakSet<Request>()

  const rememberValue = (value: string, token: string | undefined): string => {
    attached.delete(value)
    attached.set(value, token)
    if (attached.size > rememberedValues) attached.delete(attached.keys().next().value as string)
    return value
  }
  const remember = (token: string): string => rememberValue(bearer(token), token)

  // Once a response is final for us, the Request ky hands back (HTTPError's `request`, the request later
  // hooks see) shows our header sanitized. ky's own retry sends it again through beforeRetry, which knows
  // the sanitized value as ours and attaches a current token.
  const redact = (request: unknown): void => {
    if (!(request instanceof Request)) return
    const value = request.headers.get('authorization')
    const token = value === null ? undefined : attached.get(value)
    if (token !== undefined)
      request.headers.set('authorization', rememberValue(redactedBearer(token), undefined))
  }

  const sentToken = (request: Request): string | undefined => {
    const value = request.headers.get('authorization')
    return value === null ? undefined : attached.get(value)
  }

  const attach = ({ request, options: requestOptions }: HookCall, token: string): void => {
    // Headers are case-insensitive: set replaces any `Authorization` however it is spelled, never appends.
    request.headers.set('authorization', remember(token))
    // ky 1 rejects a timeout with a TimeoutError that holds this very request, and runs no hook for it;
    // it aborts the request's signal first, so an abort is our cue to redact (a caller's abort too).
    if (!request.signal.aborted && !redactOnAbort.has(request)) {
      redactOnAbort.add(request)
      request.signal.addEventListener(
        'abort',
        () => {
          redact(request)
        },
        { once: true },
      )
    }
    const retry = requestOptions.retry as number | { limit?: number } | undefined
    const limit = typeof retry === 'number' ? retry : retry?.limit
    if (limit === 0 && request.body !== null && isReplayableBody(requestOptions.body)) {
      bodyCopies.set(request, request.clone())
    }
  }

  /** Not an async function: a fresh token from the provider is attached without a promise. */
  const authorize = (call: HookCall): Promise<void> | undefined => {
    const { request } = call
    const current = request.headers.get('authorization')
    if (current !== null && !attached.has(current)) return undefined // the caller's own: never touched
    const fresh = authorizer.allows(request.url) ? authorizer.peekToken() : undefined
    if (fresh !== undefined) {
      attach(call, fresh)
      return undefined
    }
    return authorizer.tokenFor(request.url, request.signal).then((token) => {
      if (token === undefined) request.headers.delete('authorization')
      else attach(call, token)
    })
  }

  /** The one retry after a 401 to our token: the retry's response, or undefined to keep ky's. */
  const retryUnauthorized = async ({
    request,
    options: requestOptions,
    response,
  }: HookCall): Promise<Response | undefined> => {
    const token = sentToken(request)
    if (response?.status !== 401 || token === undefined) return undefined
    const finalURL = response.url === '' ? request.url : response.url
    // fetch drops our header when a redirect leaves the origin, so such a 401 is no verdict on our token.
    if (originOf(finalURL) !== originOf(request.url)) return undefined
    // ky keeps its own copy of the request for its retries; re-send a copy of that, or the one kept above.
    const source = request.bodyUsed ? bodyCopies.get(request) : request
    // A stream is not sent twice, but the provider still hears of the refusal.
    const fresh = await authorizer.afterRefusal({
      url: finalURL,
      sentToken: token,
      replayable: source !== undefined && !source.bodyUsed && isReplayableBody(requestOptions.body),
      signal: request.signal,
    })
    if (fresh === undefined || source === undefined) return undefined
    bodyCopies.delete(request)
    const retryRequest = source === request ? request.clone() : source
    retryRequest.headers.set('authorization', remember(fresh))
    return resend(retryRequest, requestOptions)
  }

  return {
    beforeRequest: [(...parameters: unknown[]) => authorize(readCall(parameters))],
    // ky 2 runs beforeRequest once per call: each retry gets a current token here (ky 1 also re-runs beforeRequest).
    beforeRetry: [(...parameters: unknown[]) => authorize(readCall(parameters))],
    afterResponse: [
      (...parameters: unknown[]): Promise<Response | undefined> | undefined => {
        const call = readCall(parameters)
        // Anything but a 401 is final here: redact and hand it on without an async detour.
        if (call.response?.status !== 401) {
          redact(call.request)
          return undefined
        }
        return retryUnauthorized(call).finally(() => {
          redact(call.request)
        })
      },
    ],
    // ky runs beforeError once no retry follows. ky 2 hands back the request it sent, which the
    // afterResponse hooks never see when ky keeps a copy for its retries.
    beforeError: [
      (...parameters: unknown[]): HTTPError => {
        const { error, requests } = requestsOfError(parameters)
        for (const request of requests) redact(request)
        return error as HTTPError
      },
    ],
  }
}

/**
 * ky hooks that attach `Authorization: Bearer <token>` for allowed origins and retry a 401 once with a fresh
 * token. Prefer `withNebiusAuth`, which works in the fetch ky calls instead (no hook of ours, so ky clones no
 * response for us; the 401 retry is invisible to every hook) and allows the instance's base URL origin.
 * With bare hooks, list your API's origin in `origins`, and place `afterResponse[0]` first if other hooks
 * should see only the final response. A stream body is never sent twice: its 401 reaches the caller.
 *
 * On ky 2 the result also carries an `init` hook (it records `fetch` and `timeout`, which ky 2 hides from
 * the other hooks, so the 401 retry uses the same ones); keep it when merging hook lists by hand.
 *
 * @param options - See `NebiusAuthOptions`. Default origins: `https://*.nebius.cloud` and `https://*.nebius.com`.
 * @returns A `Hooks` object for `ky.create({ hooks })` or `instance.extend({ hooks })`.
 *
 * @example
 * ```ts
 * import ky from 'ky'
 * import { staticToken } from '@nebius-auth/core'
 * import { nebiusAuthHooks } from '@nebius-auth/ky'
 *
 * const api = ky.create({
 *   prefixUrl: 'https://inference.example.com',
 *   hooks: nebiusAuthHooks({ provider: staticToken(process.env.NEBIUS_IAM_TOKEN ?? '') }),
 * })
 * ```
 */
export function nebiusAuthHooks(options?: NebiusAuthOptions): Hooks {
  return withTransportCapture(createHooks(options))
}

/**
 * Adds ky 2's `init` hook, which leaves `fetch` and `timeout` where the 401 retry finds them; ky 1 ignores
 * hook lists it does not know.
 *
 * @example
 * ```ts
 * instance.extend({ hooks: withTransportCapture(createHooks(options)) })
 * ```
 */
function withTransportCapture<T extends Hooks>(hooks: T): T {
  const init = (initOptions: Record<PropertyKey, unknown>): void => {
    const transport: Transport = {
      fetch: initOptions.fetch as Transport['fetch'],
      timeout: initOptions.timeout as Transport['timeout'],
    }
    initOptions[transportKey] = transport
  }
  return { ...hooks, init: [init] }
}
