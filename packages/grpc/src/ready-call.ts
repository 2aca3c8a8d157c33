/**
 * The ready path (see authenticated-call.ts): a call whose token the provider holds fresh, shaped as a
 * hand-written interceptor would shape it. One InterceptingCall over the call grpc-js made, the token set on
 * the caller's metadata while it starts, and a thin listener whose only duty is our token's: hold a unary
 * response back while a retry is possible, notice UNAUTHENTICATED, redact the token from a failed status.
 *
 * The retry machinery (call-attempts.ts: a switchboard, a deadline timer, the replay) is made only when
 * UNAUTHENTICATED to our token actually arrives; a call that is answered never builds it. Its rules are
 * the ones every call keeps: a unary call is sent once more, a stream of requests never.
 */
import {
  InterceptingCall,
  status as GrpcStatus,
  type InterceptingListener,
  type Metadata,
  type Requester,
  type StatusObject,
} from '@grpc/grpc-js'
import { bearer } from '@nebius-auth/core/adapter'

import { callAttempts, type Attempt, type CallAttempts, type CallPlan } from './call-attempts.js'
import { localStatus } from './call-failure.js'
import { redactStatus } from './token-redaction.js'

/** grpc-js's client cancels with this status; a requester's cancel hook is not told which. */
const CANCELLED_ON_CLIENT = 'Cancelled on client'
const NOT_STARTED = 'nebius-auth: the call could not be started'

/**
 * `Bearer <token>`, made once per token instead of once per call: while a token lives every call sends the
 * same value, and grpc-js flattens a freshly joined string again each time it checks it.
 */
export function bearerMemo(): (token: string) => string {
  let lastToken: string | undefined
  let lastValue = ''
  return (token) => {
    if (token !== lastToken) {
      lastValue = bearer(token)
      lastToken = token
    }
    return lastValue
  }
}

/**
 * The ready shape: `first` is the call grpc-js made, started with `token` on the caller's metadata. Only a
 * unary call hooks its message, half-close and cancel: should it be retried, they belong to the retry. A
 * stream of requests is never retried, so it needs nothing but `start`.
 */
export function readyCall(plan: CallPlan, first: Attempt, token: string): InterceptingCall {
  const { authorizer, options } = plan
  // Unary only: a server stream never takes this path, and streams of requests are never replayed.
  const replayable = !options.method_definition.requestStream
  let upper: InterceptingListener | undefined
  let callerMetadata: Metadata | undefined
  /** Our token, once it is on the wire; undefined when the caller sent their own authorization. */
  let sent: string | undefined
  let hasRequest = false
  let request: unknown
  let halfClosed = false
  /** While a retry is possible the caller sees nothing before the status: one call's headers, not two. */
  let holding = false
  let heldMetadata: Metadata | undefined
  let holdsMessage = false
  let heldMessage: unknown
  let done = false
  /** The retry's machinery, from the refusal on: sends and cancels go there then. */
  let retry: CallAttempts | undefined

  const end = (status: StatusObject): void => {
    if (done) return
    done = true
    if (heldMetadata !== undefined) upper?.onReceiveMetadata(heldMetadata)
    if (holdsMessage) upper?.onReceiveMessage(heldMessage)
    heldMetadata = undefined
    heldMessage = undefined
    const shown = status.code === GrpcStatus.OK || sent === undefined ? status : redactStatus(status, [sent])
    upper?.onReceiveStatus(shown)
  }

  const listener: InterceptingListener = {
    onReceiveMetadata(metadata) {
      if (done) return
      if (holding) heldMetadata = metadata
      else upper?.onReceiveMetadata(metadata)
    },
    onReceiveMessage(message) {
      if (done) return
      if (!holding) {
        upper?.onReceiveMessage(message)
        return
      }
      // A unary call receives exactly one message (null when the server sent none), just before its status.
      holdsMessage = true
      heldMessage = message
    },
    onReceiveStatus(status) {
      if (done) return
      if (status.code !== GrpcStatus.UNAUTHENTICATED || sent === undefined) {
        end(status)
        return
      }
      if (!holding) {
        // Not replayable (or retries are off): the provider hears of the refusal, the caller at once.
        void authorizer.afterRefusal({ url: plan.origin, sentToken: sent, replayable: false })
        end(status)
        return
      }
      // A status comes only after start, so the caller's listener and metadata are there.
      if (upper === undefined || callerMetadata === undefined) {
        end(status)
        return
      }
      // The refusal a retry may follow: from here on the call is call-attempts.ts's.
      done = true
      retry = callAttempts(plan)
      retry.takeOver({
        listener: upper,
        metadata: callerMetadata,
        token: sent,
        hasRequest,
        request,
        halfClosed,
        heldMetadata,
        holdsMessage,
        heldMessage,
        status,
      })
    },
  }

  const giveUp = (status: StatusObject): void => {
    end(status)
    try {
      first.cancelWithStatus(GrpcStatus.CANCELLED, NOT_STARTED)
    } catch {
      // Already ended.
    }
  }

  const requester: Requester = {
    start(metadata, caller, next) {
      upper = caller
      callerMetadata = metadata
      // A caller's own authorization is theirs: sent as it is, never refreshed or retried. Ours is never
      // left on the caller's metadata, so whatever is there is theirs.
      const own = metadata.get('authorization').length > 0
      if (!own) {
        try {
          metadata.set('authorization', plan.bearer(token))
        } catch {
          // grpc-js refuses a value with control characters, quoting it: never show its message.
          giveUp(localStatus(GrpcStatus.INTERNAL, 'nebius-auth: the token cannot be sent as gRPC metadata'))
          return
        }
        // Cheap while the token is the same: it is first in the list already.
        plan.recent.remember(token)
        sent = token
        holding = replayable && authorizer.retryOnUnauthorized
      }
      try {
        next(metadata, listener)
      } catch {
        // Nothing grpc-js documents, but a throw here must end the call, not reach the caller's code.
        giveUp(localStatus(GrpcStatus.UNAVAILABLE, NOT_STARTED))
      } finally {
        // grpc-js copied the metadata as the call started: the caller's object is theirs again.
        if (!own) metadata.remove('authorization')
      }
    },
  }
  if (replayable) {
    requester.sendMessage = (message, next) => {
      if (retry !== undefined) {
        retry.send({}, message)
        return
      }
      hasRequest = true
      request = message
      next(message)
    }
    requester.halfClose = (next) => {
      if (retry !== undefined) {
        retry.halfClose()
        return
      }
      halfClosed = true
      next()
    }
    requester.cancel = (next) => {
      if (retry === undefined) next()
      else retry.cancel(GrpcStatus.CANCELLED, CANCELLED_ON_CLIENT)
    }
  }
  return new InterceptingCall(first, requester)
}
