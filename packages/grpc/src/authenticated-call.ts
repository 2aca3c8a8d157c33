/**
 * One gRPC call that carries our token. grpc-js interceptors normally wrap a call made up front; this one
 * makes each attempt only when its token is ready, because a grpc-js call's deadline timer starts when the
 * call is made and a status it reaches before `start` is lost. So the interceptor keeps its own clock while
 * it waits, and an attempt made late still gets the call's deadline (already past means DEADLINE_EXCEEDED).
 *
 * The retry: UNAUTHENTICATED to our token asks the provider for a different one (compare-and-refresh), and a
 * call whose request is one message (unary, server streaming) that has received nothing yet is sent again,
 * exactly once. Calls that stream their requests are never replayed.
 *
 * Nothing here may throw into a promise chain: a channel closed while the call waited, or a token metadata
 * cannot carry, ends the call with a status like any other failure, never as an unhandled rejection. A
 * status that follows our token is redacted, since a server may echo what it was sent.
 */
import {
  InterceptingCall,
  status as GrpcStatus,
  type Metadata,
  type InterceptingListener,
  type InterceptorOptions,
  type NextCall,
  type StatusObject,
} from '@grpc/grpc-js'
import { bearer, type RequestAuthorizer } from '@nebius-auth/core/adapter'

import { localStatus, tokenFailureStatus } from './call-failure.js'
import { redactStatus, type RecentTokens } from './token-redaction.js'

type Attempt = ReturnType<NextCall>
type MessageContext = Parameters<Attempt['sendMessageWithContext']>[0]

/** setTimeout cannot wait longer than 2^31 - 1 ms; a deadline further away is treated as none. */
const LONGEST_TIMER = 2 ** 31 - 1

function deadlineMs(deadline: InterceptorOptions['deadline']): number {
  if (deadline === undefined) return Infinity
  return deadline instanceof Date ? deadline.getTime() : deadline
}

/** What the interceptor knows about the call before it starts. */
export interface CallPlan {
  readonly authorizer: RequestAuthorizer
  /** The channel's origin, already allowed by the origin check. */
  readonly origin: URL
  readonly options: InterceptorOptions
  readonly nextCall: NextCall
  /** Tokens this adapter sent lately, for redacting a foreign provider's failure. */
  readonly recent: RecentTokens
}

/** Builds the call the interceptor returns. */
export function authenticatedCall({
  authorizer,
  origin,
  options,
  nextCall,
  recent,
}: CallPlan): InterceptingCall {
  // Unary and server-streaming calls send one message and half-close: they can be sent again as they were.
  const replayable = !options.method_definition.requestStream
  const streamingResponse = options.method_definition.responseStream
  const expiry = deadlineMs(options.deadline)
  let upper: InterceptingListener | undefined
  let requestMetadata: Metadata | undefined
  let attempt: Attempt | undefined
  let attemptCount = 0
  let sentMessage: { value: unknown } | undefined
  /** Messages written before the first attempt exists (the token is still on its way). */
  const queued: [MessageContext, unknown][] = []
  let halfClosed = false
  let readPending = false
  let done = false
  let deadlineTimer: NodeJS.Timeout | undefined
  /** Every token this call sent: a server may echo any of them, the first attempt's in the retry's status. */
  const sentTokens: string[] = []

  const finish = (status: StatusObject): void => {
    if (done) return
    done = true
    clearTimeout(deadlineTimer)
    const shown =
      status.code === GrpcStatus.OK || sentTokens.length === 0 ? status : redactStatus(status, sentTokens)
    upper?.onReceiveStatus(shown)
  }

  /** Ends the call from here, but only while no attempt is on the wire: an attempt ends itself. */
  const endWhileWaiting = (status: StatusObject): void => {
    if (attempt === undefined) finish(status)
  }

  /** Starts an attempt; `refused` ends the call should the channel refuse it (the retry: with its 401). */
  const startAttempt = (token: string | undefined, refused?: () => void): void => {
    if (done || requestMetadata === undefined) return
    const metadata = requestMetadata.clone()
    if (token !== undefined) {
      try {
        metadata.set('authorization', bearer(token))
      } catch {
        // grpc-js refuses a value with control characters, quoting it: never show its message.
        finish(localStatus(GrpcStatus.INTERNAL, 'nebius-auth: the token cannot be sent as gRPC metadata'))
        return
      }
      recent.remember(token)
      sentTokens.push(token)
    }
    attemptCount += 1
    try {
      launch(metadata, token)
    } catch {
      // The channel is closed (client.close() while the call waited): grpc-js throws instead of failing the
      // call. Its own status for a call the closed channel never started is UNAVAILABLE.
      const failed = attempt
      attempt = undefined
      if (refused !== undefined) refused()
      else
        finish(
          localStatus(GrpcStatus.UNAVAILABLE, 'nebius-auth: the channel was closed before the call started'),
        )
      try {
        failed?.cancelWithStatus(GrpcStatus.CANCELLED, 'nebius-auth: the call could not be started')
      } catch {
        // Already ended.
      }
    }
  }

  const launch = (metadata: Metadata, token: string | undefined): void => {
    const current = nextCall(options)
    attempt = current
    current.start(metadata, attemptListener(token, attemptCount === 1))
    if (attemptCount === 1) {
      for (const [context, message] of queued.splice(0)) current.sendMessageWithContext(context, message)
    } else if (sentMessage !== undefined) {
      // The replay: the write callback already ran for the first attempt, so this copy carries none.
      current.sendMessage(sentMessage.value)
    }
    if (halfClosed) current.halfClose()
    if (readPending) current.startRead()
  }

  const attemptListener = (sentToken: string | undefined, first: boolean): InterceptingListener => {
    // Held back while a retry is still possible, so the caller sees one call's headers, not two. grpc-js
    // hands a unary call exactly one message (null when the server sent none) just before its status, so a
    // unary response is held until the status too; a stream's first message ends the chance of a retry.
    let heldMetadata: Metadata | undefined
    let heldMessage: { value: unknown } | undefined
    let streamedMessage = false
    const mayRetry = (): boolean => first && replayable && sentToken !== undefined && !streamedMessage
    const release = (): void => {
      if (heldMetadata !== undefined) upper?.onReceiveMetadata(heldMetadata)
      if (heldMessage !== undefined) upper?.onReceiveMessage(heldMessage.value)
      heldMetadata = undefined
      heldMessage = undefined
    }
    return {
      onReceiveMetadata(metadata) {
        if (done) return
        if (mayRetry()) heldMetadata = metadata
        else upper?.onReceiveMetadata(metadata)
      },
      onReceiveMessage(message) {
        if (done) return
        readPending = false
        if (!streamingResponse) {
          heldMessage = { value: message }
          return
        }
        streamedMessage = true
        release()
        upper?.onReceiveMessage(message)
      },
      onReceiveStatus(status) {
        const deliver = (): void => {
          if (done) return
          release()
          finish(status)
        }
        if (status.code !== GrpcStatus.UNAUTHENTICATED || sentToken === undefined || done) {
          deliver()
          return
        }
        // UNAUTHENTICATED is gRPC's 401: the shared rule decides, as for the HTTP adapters.
        const outcome = { status: 401, url: origin, sentToken }
        if (!mayRetry()) {
          void authorizer.forgetRejected(outcome)
          deliver()
          return
        }
        attempt = undefined
        authorizer.tokenForRetry(outcome).then(
          (fresh) => {
            if (fresh === undefined) deliver()
            else startAttempt(fresh, deliver)
          },
          // A failed refresh resolves to "no retry"; nothing rejects here without a signal.
          deliver,
        )
      },
    }
  }

  const requester = {
    start(metadata: Metadata, listener: InterceptingListener) {
      upper = listener
      requestMetadata = metadata
      if (Number.isFinite(expiry) && expiry - Date.now() < LONGEST_TIMER) {
        deadlineTimer = setTimeout(
          () => {
            endWhileWaiting(
              localStatus(
                GrpcStatus.DEADLINE_EXCEEDED,
                'Deadline exceeded while waiting for an access token',
              ),
            )
          },
          Math.max(expiry - Date.now(), 0),
        )
      }
      // A caller's own authorization is theirs: sent as it is, never refreshed or retried.
      if (metadata.get('authorization').length > 0) {
        startAttempt(undefined)
        return
      }
      // No abort signal: a call that ends while it waits (deadline, cancel) simply ignores the token when it
      // comes, and the provider's shared exchange was never the call's to stop. Creating and aborting a
      // signal per call cost more than the rest of the interceptor together.
      authorizer.tokenFor(origin).then(
        (token) => {
          startAttempt(token)
        },
        (error: unknown) => {
          if (!done) finish(tokenFailureStatus(error, recent.list))
        },
      )
    },
  }

  // The call below the interceptor's InterceptingCall: whichever attempt is current, made on demand.
  const switchboard: Attempt = {
    start() {
      // Attempts are started by startAttempt with their own listener; nothing to do when grpc-js asks.
    },
    sendMessageWithContext(context: MessageContext, message: unknown) {
      if (replayable) sentMessage = { value: message }
      if (attempt !== undefined) attempt.sendMessageWithContext(context, message)
      else if (attemptCount === 0) queued.push([context, message])
    },
    sendMessage(message: unknown) {
      switchboard.sendMessageWithContext({}, message)
    },
    halfClose() {
      halfClosed = true
      attempt?.halfClose()
    },
    startRead() {
      readPending = true
      attempt?.startRead()
    },
    cancelWithStatus(code, details) {
      if (attempt === undefined) finish(localStatus(code, details))
      else attempt.cancelWithStatus(code, details)
    },
    getPeer() {
      return attempt?.getPeer() ?? origin.host
    },
    getAuthContext() {
      // grpc-js added getAuthContext in 1.13; an older attempt has none to give.
      const current = attempt as Partial<Attempt> | undefined
      return current?.getAuthContext?.() ?? null
    },
  }
  return new InterceptingCall(switchboard, {
    start(metadata, listener, next) {
      requester.start(metadata, listener)
      // Let InterceptingCall pass on messages and half-close from now on: the switchboard routes them.
      next(metadata, listener)
    },
  })
}
