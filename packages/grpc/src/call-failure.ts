/**
 * The gRPC status a call ends with when no token could be had. gRPC's own guidance for credentials that
 * fail: a transient cause (core's `transient`: the exchange or the VM metadata service is down, a timeout)
 * is UNAVAILABLE, which callers' retry policies treat as retryable; anything else (no credentials, a
 * refused key) is UNAUTHENTICATED. The core error rides along as `cause`, so
 * `NebiusAuthError.isInstance(error.cause)` tells the two apart from a server's.
 */
import { Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js'
import { NebiusAuthError, redactTokens } from '@nebius-auth/core/adapter'

/** A status object with the error that caused it; grpc-js copies its fields onto the ServiceError. */
export type FailureStatus = StatusObject & { cause?: unknown }

/**
 * What to pass on as `cause`. Core's errors are sanitized already. A foreign provider's error is passed on
 * as it is unless its message holds a token: then its stack and properties would too, and a plain Error
 * with the redacted message stands in for it.
 */
function safeCause(error: unknown, reason: string, redacted: string): unknown {
  if (NebiusAuthError.isInstance(error) || redacted === reason) return error
  return new Error(redacted)
}

/**
 * The status for a provider that failed to hand out a token. Core's messages are sanitized by core; a
 * foreign provider's message goes through the same redaction as a server's, `tokens` (ones this adapter
 * has sent) and anything shaped like a token removed.
 */
export function tokenFailureStatus(error: unknown, tokens: readonly string[] = []): FailureStatus {
  const reason = error instanceof Error ? error.message : 'the token provider failed'
  const redacted = redactTokens(reason, tokens)
  return {
    code:
      NebiusAuthError.isInstance(error) && error.transient
        ? GrpcStatus.UNAVAILABLE
        : GrpcStatus.UNAUTHENTICATED,
    details: `nebius-auth: no access token: ${redacted}`,
    metadata: new Metadata(),
    cause: safeCause(error, reason, redacted),
  }
}

/** The status for a call that ended while it waited for a token. */
export function localStatus(code: GrpcStatus, details: string): StatusObject {
  return { code, details, metadata: new Metadata() }
}
