/**
 * The gRPC status a call ends with when no token could be had. gRPC's own guidance for credentials that
 * fail: a transient cause (the exchange is down, a timeout) is UNAVAILABLE, which callers' retry policies
 * treat as retryable; anything else (no credentials, a refused key) is UNAUTHENTICATED. The core error
 * rides along as `cause`, so `NebiusAuthError.isInstance(error.cause)` tells the two apart from a server's.
 */
import { Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js'
import { NebiusAuthError } from '@nebius-auth/core/adapter'

/** A status object with the error that caused it; grpc-js copies its fields onto the ServiceError. */
export type FailureStatus = StatusObject & { cause?: unknown }

function isRetryable(error: unknown): boolean {
  return NebiusAuthError.isInstance(error) && (error as { retryable?: unknown }).retryable === true
}

/** The status for a provider that failed to hand out a token; its message is already sanitized by core. */
export function tokenFailureStatus(error: unknown): FailureStatus {
  const reason = error instanceof Error ? error.message : 'the token provider failed'
  return {
    code: isRetryable(error) ? GrpcStatus.UNAVAILABLE : GrpcStatus.UNAUTHENTICATED,
    details: `nebius-auth: no access token: ${reason}`,
    metadata: new Metadata(),
    cause: error,
  }
}

/** The status for a call that ended while it waited for a token. */
export function localStatus(code: GrpcStatus, details: string): StatusObject {
  return { code, details, metadata: new Metadata() }
}
