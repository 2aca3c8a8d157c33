/**
 * The HTTP faults of `emulator.fail()`, as a gRPC exchange meets them: the same queue, so one fault hits the
 * next exchange whichever face it arrives on. HTTP statuses become the gRPC codes a gateway would map them
 * to; a dropped connection is UNAVAILABLE (what a client sees when its connection dies); a fault with a 200
 * status and a body answers with those bytes as the response message, a malformed protobuf.
 */
import { status as GrpcStatus } from '@grpc/grpc-js'
import { setTimeout as sleep } from 'node:timers/promises'

import type { Fault } from './types.js'

/** What a fault answers with: a status to end the call, or raw bytes to send as the message. */
export type GrpcFaultAnswer = { code: GrpcStatus; details: string } | { message: Uint8Array }

/** The gRPC code for an HTTP status, after the gRPC project's HTTP-to-gRPC status mapping. */
export function grpcCodeForHttpStatus(status: number): GrpcStatus {
  switch (status) {
    case 400:
      return GrpcStatus.INVALID_ARGUMENT
    case 401:
      return GrpcStatus.UNAUTHENTICATED
    case 403:
      return GrpcStatus.PERMISSION_DENIED
    case 404:
      return GrpcStatus.NOT_FOUND
    case 429:
      return GrpcStatus.RESOURCE_EXHAUSTED
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE
    default:
      return status >= 500 ? GrpcStatus.INTERNAL : GrpcStatus.UNKNOWN
  }
}

function bodyBytes(body: Fault['body']): Uint8Array {
  if (body === undefined) return new TextEncoder().encode('{"error":"injected fault"}')
  if (typeof body === 'string') return new TextEncoder().encode(body)
  if (body instanceof Uint8Array) return body
  return new Uint8Array(body.size).fill(0x78)
}

/**
 * Applies `fault` to one gRPC exchange: `undefined` when it only delayed and the exchange should now be
 * handled normally, else the answer.
 */
export async function applyGrpcFault(
  fault: Fault,
  closing: AbortSignal,
): Promise<GrpcFaultAnswer | undefined> {
  if (fault.delay !== undefined && fault.delay > 0) {
    try {
      await sleep(fault.delay, undefined, { signal: closing, ref: false })
    } catch {
      return { code: GrpcStatus.UNAVAILABLE, details: 'the emulator is shutting down' }
    }
  }
  if (fault.drop === true)
    return { code: GrpcStatus.UNAVAILABLE, details: 'connection dropped (injected fault)' }
  if (fault.status === undefined) return undefined
  if (fault.status < 300) return { message: bodyBytes(fault.body) }
  return { code: grpcCodeForHttpStatus(fault.status), details: `injected fault: HTTP ${fault.status}` }
}
