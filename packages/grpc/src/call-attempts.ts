/**
 * What the attempts of one authenticated gRPC call share, whichever way the call was set up (see
 * authenticated-call.ts): the caller's listener, the tokens the attempts sent, the hold-back and the one
 * retry after UNAUTHENTICATED, and the end of the call with every sent token redacted from its status.
 *
 * The retry: UNAUTHENTICATED to our token asks the provider for a different one (compare-and-refresh), and a
 * call whose request is one message (unary, server streaming) that has received nothing yet is sent again,
 * exactly once. Calls that stream their requests are never replayed.
 *
 * An attempt carries the token on the caller's own Metadata only while grpc-js starts it: grpc-js copies the
 * metadata when a call starts (its resolving call clones it first thing), and the entry is removed again
 * right after. So a Metadata the caller reuses never holds our token when they next see it: it is neither
 * mistaken for their own authorization by a later call nor sent by a client without our interceptor.
 *
 * Nothing here may throw into a promise chain: a channel closed while the call waited, or a token metadata
 * cannot carry, ends the call with a status like any other failure, never as an unhandled rejection.
 */
import {
  status as GrpcStatus,
  type InterceptingListener,
  type InterceptorOptions,
  type Metadata,
  type NextCall,
  type StatusObject,
} from '@grpc/grpc-js'
import { type RecentTokens, type RequestAuthorizer } from '@nebius-auth/core/adapter'

import { localStatus } from './call-failure.js'
import { redactStatus } from './token-redaction.js'

/** One call grpc-js made for us: below the interceptor, one per attempt. */
export type Attempt = ReturnType<NextCall>
export type MessageContext = Parameters<Attempt['sendMessageWithContext']>[0]

/** What the interceptor knows about the call before it starts. */
export interface CallPlan {
  readonly authorizer: RequestAuthorizer
  /** The channel's origin, already allowed by the origin check. */
  readonly origin: URL
  readonly options: InterceptorOptions
  readonly nextCall: NextCall
  /** Tokens this adapter sent lately, for redacting a foreign provider's failure. */
  readonly recent: RecentTokens
  /** `Bearer <token>`, remembered for the last token (see ready-call.ts's `bearerMemo`). */
  readonly bearer: (token: string) => string
}

/** A first attempt the ready path made and our token was refused on; see {@link CallAttempts.takeOver}. */
export interface RefusedFirst {
  readonly listener: InterceptingListener
  readonly metadata: Metadata
  /** The token the attempt carried. */
  readonly token: string
  /** The request message, when the caller sent one (`hasRequest`). */
  readonly hasRequest: boolean
  readonly request: unknown
  readonly halfClosed: boolean
  /** What the attempt received before its status and held back: its headers, its one message. */
  readonly heldMetadata: Metadata | undefined
  readonly holdsMessage: boolean
  readonly heldMessage: unknown
  /** The refusal: UNAUTHENTICATED. */
  readonly status: StatusObject
}

/** setTimeout cannot wait longer than 2^31 - 1 ms; a deadline further away is treated as none. */
const LONGEST_TIMER = 2 ** 31 - 1

function deadlineMs(deadline: InterceptorOptions['deadline']): number {
  if (deadline === undefined) return Infinity
  return deadline instanceof Date ? deadline.getTime() : deadline
}

/** One call's attempts; see {@link callAttempts}. */
export interface CallAttempts {
  /**
   * Makes grpc-js's call interface over whichever attempt {@link startAttempt} made last, for an
   * InterceptingCall to wrap. Messages written before any attempt exists are queued; what a replay needs
   * (the request message, the half-close, a pending read) is kept either way.
   */
  switchboard(): Attempt
  /** A message from the caller: kept for a replay, sent on the switchboard's attempt or queued for the first. */
  send(context: MessageContext, message: unknown): void
  /** The caller's half-close: kept for a replay, passed to the switchboard's attempt. */
  halfClose(): void
  /** The caller's cancel: passed to the switchboard's attempt, or ends the call while none is on the wire. */
  cancel(code: GrpcStatus, details: string): void
  /** Binds the call to the caller's listener and metadata, as `start` hands them over. */
  begin(listener: InterceptingListener, metadata: Metadata): void
  /** Makes an attempt through the switchboard: with `token`, or as the caller sent it (`undefined`). */
  startAttempt(token: string | undefined, refused?: () => void): void
  /**
   * Takes over a call whose first attempt the ready path made (ready-call.ts) once its token was refused:
   * that attempt counts as the first, and what it received is handed to this call's hold-back, so the
   * refusal is retried (or delivered) by the rules here. Used instead of {@link begin}.
   */
  takeOver(first: RefusedFirst): void
  /** From now on, a deadline that passes while no attempt is on the wire ends the call. */
  watchDeadline(): void
  /** Ends the call with `status`, redacted; only the first end counts. */
  finish(status: StatusObject): void
}

/**
 * The shared state of one call's attempts.
 *
 * @example
 * ```ts
 * const attempts = callAttempts(plan)
 * return new InterceptingCall(attempts.switchboard(), {
 *   start(metadata, listener, next) {
 *     attempts.begin(listener, metadata)
 *     attempts.startAttempt(token)
 *     next(metadata, listener)
 *   },
 * })
 * ```
 */
export function callAttempts({
  authorizer,
  origin,
  options,
  nextCall,
  recent,
  bearer,
}: CallPlan): CallAttempts {
  // Unary and server-streaming calls send one message and half-close: they can be sent again as they were.
  const replayable = !options.method_definition.requestStream
  const streamingResponse = options.method_definition.responseStream
  // With retries off nothing is held back: a refusal reaches the caller as it came.
  const { retryOnUnauthorized } = authorizer
  let upper: InterceptingListener | undefined
  let requestMetadata: Metadata | undefined
  /** The attempt the switchboard made and routes to; undefined while none is on the wire. */
  let attempt: Attempt | undefined
  let attemptCount = 0
  let hasRequest = false
  let request: unknown
  /** Messages written before the first attempt exists (the token is still on its way). */
  let queued: [MessageContext, unknown][] | undefined
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

  const watchDeadline = (): void => {
    if (deadlineTimer !== undefined || done) return
    const expiry = deadlineMs(options.deadline)
    if (!Number.isFinite(expiry) || expiry - Date.now() >= LONGEST_TIMER) return
    deadlineTimer = setTimeout(
      () => {
        // Only while no attempt is on the wire: an attempt has the deadline too and ends itself.
        if (attempt === undefined) {
          finish(
            localStatus(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded while waiting for an access token'),
          )
        }
      },
      Math.max(expiry - Date.now(), 0),
    )
  }

  /**
   * Sets `authorization: Bearer <token>` on `metadata`, remembering the token as sent. False when grpc-js
   * refuses the value: the call has then ended with INTERNAL, the token shown nowhere.
   */
  const authorize = (metadata: Metadata, token: string): boolean => {
    try {
      metadata.set('authorization', bearer(token))
    } catch {
      // grpc-js refuses a value with control characters, quoting it: never show its message.
      finish(localStatus(GrpcStatus.INTERNAL, 'nebius-auth: the token cannot be sent as gRPC metadata'))
      return false
    }
    recent.remember(token)
    sentTokens.push(token)
    return true
  }

  const attemptListener = (sentToken: string | undefined, first: boolean): InterceptingListener => {
    // Held back while a retry is still possible, so the caller sees one call's headers, not two. grpc-js
    // hands a unary call exactly one message (null when the server sent none) just before its status, so a
    // unary response is held until the status too; a stream's first message ends the chance of a retry.
    let heldMetadata: Metadata | undefined
    let holdsMessage = false
    let heldMessage: unknown
    let streamedMessage = false
    const mayRetry = (): boolean =>
      first && replayable && retryOnUnauthorized && sentToken !== undefined && !streamedMessage
    const release = (): void => {
      if (heldMetadata !== undefined) upper?.onReceiveMetadata(heldMetadata)
      if (holdsMessage) upper?.onReceiveMessage(heldMessage)
      heldMetadata = undefined
      holdsMessage = false
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
          holdsMessage = true
          heldMessage = message
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
        // UNAUTHENTICATED is the refusal; core's shared rule decides what follows, as for the HTTP adapters.
        if (!mayRetry()) {
          // Not replayable: the provider hears of the refusal (this never rejects), the caller at once.
          void authorizer.afterRefusal({ url: origin, sentToken, replayable: false })
          deliver()
          return
        }
        attempt = undefined
        watchDeadline()
        authorizer.afterRefusal({ url: origin, sentToken, replayable: true }).then(
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

  const launch = (metadata: Metadata, token: string | undefined): void => {
    const current = nextCall(options)
    attempt = current
    current.start(metadata, attemptListener(token, attemptCount === 1))
    if (attemptCount === 1) {
      if (queued !== undefined)
        for (const [context, message] of queued) current.sendMessageWithContext(context, message)
      queued = undefined
    } else if (hasRequest) {
      // The replay: the write callback already ran for the first attempt, so this copy carries none.
      current.sendMessage(request)
    }
    if (halfClosed) current.halfClose()
    if (readPending) current.startRead()
  }

  /** Starts an attempt; `refused` ends the call should the channel refuse it (the retry: with its 401). */
  const startAttempt = (token: string | undefined, refused?: () => void): void => {
    if (done || requestMetadata === undefined) return
    const metadata = requestMetadata
    if (token !== undefined && !authorize(metadata, token)) return
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
    } finally {
      // grpc-js copied the metadata as the attempt started: the caller's object is theirs again.
      if (token !== undefined) metadata.remove('authorization')
    }
  }

  const send = (context: MessageContext, message: unknown): void => {
    if (replayable) {
      hasRequest = true
      request = message
    }
    if (attempt !== undefined) attempt.sendMessageWithContext(context, message)
    else if (attemptCount === 0) (queued ??= []).push([context, message])
  }
  const halfClose = (): void => {
    halfClosed = true
    attempt?.halfClose()
  }
  const cancel = (code: GrpcStatus, details: string): void => {
    if (attempt === undefined) finish(localStatus(code, details))
    else attempt.cancelWithStatus(code, details)
  }

  return {
    switchboard: () => ({
      start() {
        // Attempts are started by startAttempt with their own listener; nothing to do when grpc-js asks.
      },
      sendMessageWithContext: send,
      sendMessage(message: unknown) {
        send({}, message)
      },
      halfClose,
      startRead() {
        readPending = true
        attempt?.startRead()
      },
      cancelWithStatus: cancel,
      getPeer() {
        return attempt?.getPeer() ?? origin.host
      },
      getAuthContext() {
        // grpc-js added getAuthContext in 1.13; an older attempt has none to give.
        const current = attempt as Partial<Attempt> | undefined
        return current?.getAuthContext?.() ?? null
      },
    }),
    send,
    halfClose,
    cancel,
    begin(listener, metadata) {
      upper = listener
      requestMetadata = metadata
    },
    startAttempt,
    takeOver(first) {
      upper = first.listener
      requestMetadata = first.metadata
      attemptCount = 1
      sentTokens.push(first.token)
      hasRequest = first.hasRequest
      request = first.request
      halfClosed = first.halfClosed
      const listener = attemptListener(first.token, true)
      if (first.heldMetadata !== undefined) listener.onReceiveMetadata(first.heldMetadata)
      if (first.holdsMessage) listener.onReceiveMessage(first.heldMessage)
      listener.onReceiveStatus(first.status)
    },
    watchDeadline,
    finish,
  }
}
