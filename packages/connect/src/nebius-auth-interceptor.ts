/**
 * `nebiusAuthInterceptor()`: Nebius IAM tokens for Connect-ES v2 transports (gRPC, gRPC-web and Connect
 * protocols alike), with the rules every nebius-auth adapter keeps, decided by core's shared authorizer.
 */
import {
  Code,
  ConnectError,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type UnaryRequest,
  type UnaryResponse,
} from '@connectrpc/connect'
import { createAsyncIterable } from '@connectrpc/connect/protocol'
import {
  bearer,
  createRequestAuthorizer,
  NebiusAuthError,
  type NebiusAuthOptions,
} from '@nebius-auth/core/adapter'

import { withoutTokens } from './token-redaction.js'

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

/**
 * What a refused call can be sent again with: a unary request as it is, and a server-streaming one (exactly
 * one request message) with that message held; client and bidi streams are consumed as they go, so never.
 */
async function replayableRequest(
  request: UnaryRequest | StreamRequest,
): Promise<(() => UnaryRequest | StreamRequest) | undefined> {
  if (!request.stream) return () => request
  if (request.method.methodKind !== 'server_streaming') return undefined
  const held: (typeof request.message extends AsyncIterable<infer Input> ? Input : never)[] = []
  for await (const message of request.message) held.push(message)
  return () => ({ ...request, message: createAsyncIterable(held) })
}

/**
 * A Connect-ES interceptor that sends `authorization: Bearer <token>` on every call whose `url` is an
 * allowed origin (default `https://*.nebius.cloud` and `https://*.nebius.com`; plain `http:` only to a loopback
 * host listed explicitly). When such a call fails with `Code.Unauthenticated`, the token is refreshed
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
    const forget = (sentToken: string) => void authorizer.forgetRejected(refusal(sentToken))
    const sent: string[] = []
    const redact = (error: unknown) => withoutTokens(error, sent)
    const replay = await replayableRequest(request)

    const send = (attempt: string, sending: UnaryRequest | StreamRequest) => {
      sent.push(attempt)
      sending.header.set('authorization', bearer(attempt))
      return next(sending)
    }

    /** After `refused` was refused: the call sent once more with a fresh token, or undefined when it may not be. */
    const sendAgain = async (refused: string) => {
      if (replay === undefined) {
        forget(refused)
        return undefined
      }
      const fresh = await authorizer.tokenForRetry(refusal(refused))
      if (fresh === undefined) return undefined
      try {
        return { token: fresh, response: await send(fresh, replay()) }
      } catch (error) {
        if (isUnauthenticated(error)) forget(fresh)
        throw error
      }
    }

    /**
     * The response stream the caller reads: its errors hold no token, and when the server refuses before
     * the first message (the Connect protocol reports errors at the end of the stream, gRPC may too) and
     * `mayRetry`, the call goes out once more and the caller reads that stream instead.
     */
    const watched = (response: StreamResponse, used: string, mayRetry: boolean): StreamResponse => {
      let current = response
      async function* messages() {
        let received = false
        try {
          for await (const message of response.message) {
            received = true
            yield message
          }
        } catch (error) {
          if (!isUnauthenticated(error)) throw redact(error)
          if (received || !mayRetry) {
            forget(used)
            throw redact(error)
          }
          const again = await sendAgain(used).catch((retryError: unknown) => {
            throw redact(retryError)
          })
          if (again?.response.stream !== true) throw redact(error)
          current = again.response
          yield* watched(again.response, again.token, false).message
        }
      }
      return {
        ...response,
        // Read by Connect before the messages (header) and after them (trailer): those of the stream read.
        get header() {
          return current.header
        },
        get trailer() {
          return current.trailer
        },
        message: messages(),
      }
    }

    try {
      let response: UnaryResponse | StreamResponse
      try {
        response = await send(token, replay?.() ?? request)
      } catch (error) {
        if (!isUnauthenticated(error)) throw error
        const again = await sendAgain(token)
        if (again === undefined) throw error
        return again.response.stream ? watched(again.response, again.token, false) : again.response
      }
      return response.stream ? watched(response, token, replay !== undefined) : response
    } catch (error) {
      throw redact(error)
    }
  }
}
