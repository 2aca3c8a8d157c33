/**
 * One gRPC call that carries our token, set up one of two ways.
 *
 * Ready (the provider's token is fresh, `peekToken()`; ready-call.ts): the plain grpc-js shape, one
 * InterceptingCall over the call grpc-js made, the token set on the caller's metadata as it starts; no
 * promise, timer, copy or queue, and the retry's machinery only once a refusal comes. Server streams are
 * the exception: a retry's attempt needs the caller's later reads, which an InterceptingCall hands only to
 * the call it wraps, so they go through the switchboard, started at once.
 *
 * Waiting (nothing cached, a refresh due): grpc-js interceptors normally wrap a call made up front; this one
 * makes each attempt only when its token is ready, because a grpc-js call's deadline timer starts when the
 * call is made and a status it reaches before `start` is lost. So the interceptor keeps its own clock while
 * it waits, and an attempt made late still gets the call's deadline (already past means DEADLINE_EXCEEDED).
 *
 * Both keep the rules of call-attempts.ts: one retry after UNAUTHENTICATED for a replayable call, tokens
 * redacted from the status, every failure a status.
 */
import { InterceptingCall } from '@grpc/grpc-js'

import { callAttempts, type Attempt, type CallPlan } from './call-attempts.js'
import { tokenFailureStatus } from './call-failure.js'
import { readyCall } from './ready-call.js'

export type { CallPlan } from './call-attempts.js'

/** The switchboard shape: each attempt made when its token is there, `token` at once when it already is. */
function routedCall(plan: CallPlan, token: string | undefined): InterceptingCall {
  const { authorizer, origin, recent } = plan
  const attempts = callAttempts(plan)
  return new InterceptingCall(attempts.switchboard(), {
    start(metadata, listener, next) {
      attempts.begin(listener, metadata)
      // A caller's own authorization is theirs: sent as it is, never refreshed or retried.
      if (metadata.get('authorization').length > 0) attempts.startAttempt(undefined)
      else if (token !== undefined) attempts.startAttempt(token)
      else {
        attempts.watchDeadline()
        // No abort signal: a call that ends while it waits (deadline, cancel) simply ignores the token when
        // it comes, and the provider's shared exchange was never the call's to stop. Creating and aborting a
        // signal per call cost more than the rest of the interceptor together.
        authorizer.tokenFor(origin).then(
          (fresh) => {
            attempts.startAttempt(fresh)
          },
          (error: unknown) => {
            attempts.finish(tokenFailureStatus(error, recent.list))
          },
        )
      }
      // Let InterceptingCall pass on messages and half-close from now on: the switchboard routes them.
      next(metadata, listener)
    },
  })
}

/** Builds the call the interceptor returns: ready when the provider's token is fresh, else waiting. */
export function authenticatedCall(plan: CallPlan): InterceptingCall {
  const token = plan.authorizer.peekToken()
  const { requestStream, responseStream } = plan.options.method_definition
  if (token === undefined || (responseStream && !requestStream)) return routedCall(plan, token)
  let first: Attempt
  try {
    first = plan.nextCall(plan.options)
  } catch {
    // The channel is closed: the switchboard ends the call with a status instead of a throw.
    return routedCall(plan, token)
  }
  return readyCall(plan, first, token)
}
