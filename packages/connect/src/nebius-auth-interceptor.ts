/**
 * `nebiusAuthInterceptor()`: Nebius IAM tokens for Connect-ES v2 transports (gRPC, gRPC-web and Connect
 * protocols alike), with the rules every nebius-auth adapter keeps, decided by core's shared authorizer.
 */
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect'
import {
  bearer,
  createRequestAuthorizer,
  NebiusAuthError,
  type NebiusAuthOptions,
} from '@nebius-auth/core/adapter'

function isUnauthenticated(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.Unauthenticated
}

/**
 * A provider that fails ends the call with Unavailable when the cause is transient (callers' retry
 * policies treat it as retryable) and Unauthenticated otherwise; core's error is the `cause`.
 */
function tokenFailure(error: unknown): ConnectError {
  const transient = NebiusAuthError.isInstance(error) && (error as { retryable?: unknown }).retryable === true
  const reason = error instanceof Error ? error.message : 'the token provider failed'
  return new ConnectError(
    `nebius-auth: no access token: ${reason}`,
    transient ? Code.Unavailable : Code.Unauthenticated,
    undefined,
    undefined,
    error,
  )
}

/** A response stream that tells `onRefused` when the server ends it with Unauthenticated. */
async function* watchRefusal<T>(messages: AsyncIterable<T>, onRefused: () => void): AsyncIterable<T> {
  try {
    yield* messages
  } catch (error) {
    if (isUnauthenticated(error)) onRefused()
    throw error
  }
}

/**
 * A Connect-ES interceptor that sends `authorization: Bearer <token>` on every call whose `url` is an
 * allowed origin (default `https://*.nebius.cloud` and `https://*.nebius.com`; plain `http:` only to a loopback
 * host listed explicitly). When such a call fails with `Code.Unauthenticated`, the token is refreshed
 * (compare-and-refresh) and a unary call is sent once more with a different token; a streaming request
 * (`request.stream`) is never replayed. A caller's own `authorization` header is left alone. The call's
 * signal (deadline, abort) ends the wait for a token. A provider that fails ends the call with a
 * `ConnectError` (Unavailable when transient, else Unauthenticated) whose `cause` is core's error.
 *
 * @param options - `provider` (default `defaultProvider()`, the process's shared `fromEnvironment()`), `origins`, `retryOnUnauthorized`, `onEvent`.
 * @returns an interceptor for `createGrpcTransport`, `createConnectTransport` or `createGrpcWebTransport`.
 * @throws TypeError when an option is invalid.
 *
 * @example
 * ```ts
 * import { createClient } from '@connectrpc/connect'
 * import { createGrpcTransport } from '@connectrpc/connect-node'
 * import { nebiusAuthInterceptor } from '@nebius-auth/connect'
 *
 * const transport = createGrpcTransport({
 *   baseUrl: 'https://cpl.iam.api.nebius.cloud',
 *   interceptors: [nebiusAuthInterceptor({ provider })],
 * })
 * const profile = await createClient(ProfileService, transport).get({})
 * ```
 */
export function nebiusAuthInterceptor(options?: NebiusAuthOptions): Interceptor {
  const authorizer = createRequestAuthorizer(options, { client: 'connect' })
  return (next) => async (request) => {
    // A caller's own authorization is theirs: sent as it is, never refreshed or retried.
    if (request.header.has('authorization')) return next(request)
    let token: string | undefined
    try {
      token = await authorizer.tokenFor(request.url, request.signal)
    } catch (error) {
      // An abort is the call's own deadline or cancel: Connect turns the signal's reason into its error.
      throw request.signal.aborted ? error : tokenFailure(error)
    }
    if (token === undefined) return next(request)
    // Unauthenticated is gRPC's 401: the shared rule decides, as for the HTTP adapters.
    const refusal = (sentToken: string) => ({
      status: 401,
      url: request.url,
      sentToken,
      signal: request.signal,
    })
    const forget = (sentToken: string) => () => void authorizer.forgetRejected(refusal(sentToken))
    request.header.set('authorization', bearer(token))
    try {
      const response = await next(request)
      if (!response.stream) return response
      return { ...response, message: watchRefusal(response.message, forget(token)) }
    } catch (error) {
      if (!isUnauthenticated(error)) throw error
      if (request.stream) {
        forget(token)()
        throw error
      }
      const fresh = await authorizer.tokenForRetry(refusal(token))
      if (fresh === undefined) throw error
      request.header.set('authorization', bearer(fresh))
      try {
        return await next(request)
      } catch (retryError) {
        if (isUnauthenticated(retryError)) forget(fresh)()
        throw retryError
      }
    }
  }
}
