/**
 * `nebiusAuthInterceptor()`: Nebius IAM tokens for Connect-ES v2 transports (gRPC, gRPC-web and Connect
 * protocols alike), with the rules every nebius-auth adapter keeps, decided by core's shared authorizer.
 */
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect'
import {
  createRequestAuthorizer,
  followingProfile,
  NebiusAuthError,
  recentTokens,
  redactTokens,
  type NebiusAuthOptions,
} from '@nebius-auth/core/adapter'

import { readyUnaryCall, waitingCall } from './authorized-call.js'
import { outsideOriginHint } from './outside-origin-hint.js'

/**
 * A provider that fails ends the call with Unavailable when core says the cause is transient (callers'
 * retry policies treat it as retryable) and Unauthenticated otherwise; the error is the `cause`. A foreign
 * provider's message goes through the same redaction as a server's (`recent`: tokens this interceptor
 * sent lately); if it held a token, a plain Error with the redacted message stands in as the cause.
 */
function tokenFailure(error: unknown, recent: readonly string[]): ConnectError {
  const ours = NebiusAuthError.isInstance(error)
  const reason = error instanceof Error ? error.message : 'the token provider failed'
  const redacted = ours ? reason : redactTokens(reason, recent)
  return new ConnectError(
    `nebius-auth: no access token: ${redacted}`,
    ours && error.transient ? Code.Unavailable : Code.Unauthenticated,
    undefined,
    undefined,
    redacted === reason ? error : new Error(redacted),
  )
}

/**
 * A Connect-ES interceptor that sends `authorization: Bearer <token>` on every call whose `url` is an
 * allowed origin (default `https://*.nebius.cloud`, `https://*.nebius.com` and, without `origins`,
 * `https://*.<domain>` of the Nebius CLI profile's `endpoint`, read at the first call; plain `http:` only to a
 * loopback host listed explicitly). A call elsewhere goes without the token, and the first Unauthenticated
 * per such origin gets `(nebius-auth: no token was sent: <origin> is not in origins)` in its message. While
 * the provider holds a fresh token, a unary call is sent without awaiting it. When a call with our token
 * fails with `Code.Unauthenticated`, the token is refreshed
 * (compare-and-refresh) and a unary or server-streaming call (one request message, held) is sent once more
 * with a different token, a server stream only if no message had arrived yet; client and bidi streams are
 * never replayed. A caller's own `authorization` header is left alone. The call's signal (deadline, abort)
 * ends the wait for a token. A provider that fails ends the call with a `ConnectError` (Unavailable when
 * transient, else Unauthenticated) whose `cause` is core's error. A server that echoes the token finds it
 * sanitized in the `ConnectError` (message, metadata, details).
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
  const authorizer = createRequestAuthorizer(followingProfile(options), { client: 'connect' })
  const recent = recentTokens()
  const hint = outsideOriginHint()
  const failed = (error: unknown) => tokenFailure(error, recent.list)
  return (next) => (request) => {
    // A caller's own authorization is theirs: sent as it is, never refreshed or retried.
    if (request.header.has('authorization')) return next(request)
    if (!authorizer.allows(request.url)) return hint.watch(next(request), request.url)
    const token = authorizer.peekToken()
    const plan = { authorizer, next, request, recent }
    return token !== undefined && !request.stream
      ? readyUnaryCall(plan, token)
      : waitingCall(plan, token, failed)
  }
}
