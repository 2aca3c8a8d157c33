/**
 * One Connect call that carries our token, and its one retry after Unauthenticated.
 *
 * Ready (the provider's token is fresh, `peekToken()`) and unary: the header is set and `next` called at
 * once, the call's own promise returned with one rejection handler; the retry machinery is built only if
 * the call fails. Anything else (no fresh token, a stream) waits for what it needs: the token, and for a
 * server stream its one request message, held for a replay.
 */
import {
  Code,
  ConnectError,
  type StreamRequest,
  type StreamResponse,
  type UnaryRequest,
  type UnaryResponse,
} from '@connectrpc/connect'
import { createAsyncIterable } from '@connectrpc/connect/protocol'
import { bearer, type RecentTokens, type RequestAuthorizer } from '@nebius-auth/core/adapter'

import { withoutTokens } from './token-redaction.js'

export type AnyRequest = UnaryRequest | StreamRequest
export type AnyResponse = UnaryResponse | StreamResponse
export type Next = (request: AnyRequest) => Promise<AnyResponse>

/** What a call needs from the interceptor that made it. */
export interface CallPlan {
  readonly authorizer: RequestAuthorizer
  readonly next: Next
  readonly request: AnyRequest
  /** Tokens this interceptor sent lately, for redacting a foreign provider's failure. */
  readonly recent: RecentTokens
}

function isUnauthenticated(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.Unauthenticated
}

/**
 * What a refused call can be sent again with: a unary request as it is, and a server-streaming one (exactly
 * one request message) with that message held; client and bidi streams are consumed as they go, so never.
 */
async function replayableRequest(request: AnyRequest): Promise<(() => AnyRequest) | undefined> {
  if (!request.stream) return () => request
  if (request.method.methodKind !== 'server_streaming') return undefined
  const held: (typeof request.message extends AsyncIterable<infer Input> ? Input : never)[] = []
  for await (const message of request.message) held.push(message)
  return () => ({ ...request, message: createAsyncIterable(held) })
}

/** The attempts of one call: each sends with a token, and the tokens sent are redacted from its errors. */
function attempts({ authorizer, next, request, recent }: CallPlan, replay: (() => AnyRequest) | undefined) {
  const sent: string[] = []
  // Unauthenticated is the refusal; core's shared rule decides what follows, as for the HTTP adapters.
  const refusal = (sentToken: string, replayable: boolean) => ({
    url: request.url,
    sentToken,
    replayable,
    signal: request.signal,
  })
  /** The provider hears of a refusal that will not be retried; never rejects, so nobody waits on it. */
  const forget = (sentToken: string) => void authorizer.afterRefusal(refusal(sentToken, false))
  const redact = (error: unknown) => withoutTokens(error, sent)

  /** Counts `token` as sent by an attempt started elsewhere (the ready path's). */
  const sentWith = (token: string): void => {
    sent.push(token)
    recent.remember(token)
  }
  const send = (token: string, sending: AnyRequest): Promise<AnyResponse> => {
    sentWith(token)
    sending.header.set('authorization', bearer(token))
    return next(sending)
  }

  /** After `refused` was refused: the call sent once more with a fresh token, or undefined when it may not be. */
  const sendAgain = async (refused: string) => {
    if (replay === undefined || !authorizer.retryOnUnauthorized) {
      forget(refused)
      return undefined
    }
    const fresh = await authorizer.afterRefusal(refusal(refused, true))
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

  /** What the caller gets once the first attempt, made with `token`, answered or failed. */
  const settle = async (token: string, first: () => Promise<AnyResponse>): Promise<AnyResponse> => {
    try {
      let response: AnyResponse
      try {
        response = await first()
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

  return { send, sentWith, settle }
}

/**
 * The ready shape, for a unary call with a fresh `token`: no await before `next`, and on success nothing
 * but the call's own promise and one handler.
 *
 * @example
 * ```ts
 * const token = authorizer.peekToken()
 * if (token !== undefined && !request.stream) return readyUnaryCall({ authorizer, next, request, recent }, token)
 * ```
 */
export function readyUnaryCall(plan: CallPlan, token: string): Promise<AnyResponse> {
  plan.recent.remember(token)
  plan.request.header.set('authorization', bearer(token))
  return plan.next(plan.request).catch((error: unknown) => {
    const call = attempts(plan, () => plan.request)
    call.sentWith(token)
    return call.settle(token, () => {
      throw error
    })
  })
}

/**
 * The waiting shape: `token` when the provider already has it (a stream), else whatever `tokenFor` gives;
 * a server stream's request message is held before the first attempt so that a refusal can be replayed.
 * `failed` turns a provider's failure into the call's error.
 *
 * @example
 * ```ts
 * return waitingCall(plan, authorizer.peekToken(), (error) => tokenFailure(error, recent.list))
 * ```
 */
export async function waitingCall(
  plan: CallPlan,
  token: string | undefined,
  failed: (error: unknown) => unknown,
): Promise<AnyResponse> {
  const { authorizer, next, request } = plan
  let chosen = token
  if (chosen === undefined) {
    try {
      chosen = await authorizer.tokenFor(request.url, request.signal)
    } catch (error) {
      // An abort is the call's own deadline or cancel: Connect turns the signal's reason into its error.
      throw request.signal.aborted ? error : failed(error)
    }
    if (chosen === undefined) return next(request)
  }
  const replay = await replayableRequest(request)
  const call = attempts(plan, replay)
  return call.settle(chosen, () => call.send(chosen, replay?.() ?? request))
}
