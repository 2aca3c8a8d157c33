import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

import type { Fault } from './types.js'

/** A validated fault with its remaining uses. */
interface QueuedFault {
  readonly fault: Fault
  remaining: number
}

/** Faults waiting to be applied to the next exchanges, oldest first. */
export interface FaultQueue {
  add(fault: Fault): void
  clear(): void
  /** Takes one use of the oldest fault, or returns undefined when none is queued. */
  take(): Fault | undefined
}

function validateFault(fault: unknown): Fault {
  if (typeof fault !== 'object' || fault === null) throw new TypeError('fault must be an object')
  const { count, status, body, contentType, delay, drop, retryAfter } = fault as Record<string, unknown>
  if (count !== undefined && (!Number.isSafeInteger(count) || (count as number) < 1)) {
    throw new TypeError('fault.count must be a positive integer')
  }
  if (
    status !== undefined &&
    (!Number.isSafeInteger(status) || (status as number) < 200 || (status as number) > 599)
  ) {
    throw new TypeError('fault.status must be an integer HTTP status from 200 to 599')
  }
  const isSizedBody =
    typeof body === 'object' && body !== null && !(body instanceof Uint8Array) && 'size' in body
  if (
    body !== undefined &&
    typeof body !== 'string' &&
    !(body instanceof Uint8Array) &&
    !(isSizedBody && Number.isSafeInteger(body.size) && (body.size as number) >= 0)
  ) {
    throw new TypeError('fault.body must be a string, a Uint8Array or { size: <non-negative integer> }')
  }
  if (contentType !== undefined && typeof contentType !== 'string') {
    throw new TypeError('fault.contentType must be a string')
  }
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)) {
    throw new TypeError('fault.delay must be a non-negative number of milliseconds')
  }
  if (drop !== undefined && typeof drop !== 'boolean') throw new TypeError('fault.drop must be a boolean')
  if (retryAfter !== undefined && typeof retryAfter !== 'number' && typeof retryAfter !== 'string') {
    throw new TypeError('fault.retryAfter must be a number of seconds or an HTTP date string')
  }
  return fault
}

/** Creates an empty fault queue. */
export function createFaultQueue(): FaultQueue {
  const queue: QueuedFault[] = []
  return {
    add(fault) {
      const valid = validateFault(fault)
      queue.push({ fault: valid, remaining: valid.count ?? 1 })
    },
    clear() {
      queue.length = 0
    },
    take() {
      const head = queue[0]
      if (head === undefined) return undefined
      head.remaining -= 1
      if (head.remaining === 0) queue.shift()
      return head.fault
    },
  }
}

/** The RFC 6749 §5.2 error a fault with only a status answers with. */
function defaultErrorCode(status: number): string {
  if (status === 429 || status === 503) return 'temporarily_unavailable'
  if (status < 500) return 'invalid_request'
  return 'server_error'
}

function faultBody(fault: Fault, status: number): { bytes: Uint8Array; contentType: string | undefined } {
  const { body } = fault
  if (body === undefined) {
    const json = JSON.stringify({ error: defaultErrorCode(status), error_description: 'injected fault' })
    return { bytes: Buffer.from(json), contentType: fault.contentType ?? 'application/json' }
  }
  if (typeof body === 'string') return { bytes: Buffer.from(body), contentType: fault.contentType }
  if (body instanceof Uint8Array) return { bytes: body, contentType: fault.contentType }
  return { bytes: Buffer.alloc(body.size, 'x'), contentType: fault.contentType }
}

/**
 * Applies `fault` to one exchange. Returns `true` when the fault answered (or dropped) it, `false` when it
 * only delayed and the exchange should now be handled normally.
 */
export async function applyFault(
  fault: Fault,
  request: IncomingMessage,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<boolean> {
  if (fault.delay !== undefined && fault.delay > 0) {
    try {
      await sleep(fault.delay, undefined, { signal, ref: false })
    } catch {
      // The emulator is closing: its sockets are being destroyed, so there is nobody to answer.
      request.socket.destroy()
      return true
    }
  }
  if (fault.drop === true) {
    request.socket.destroy()
    return true
  }
  if (fault.status === undefined) return false
  const { bytes, contentType } = faultBody(fault, fault.status)
  const headers: Record<string, string | number> = {
    'Content-Length': bytes.byteLength,
    'Cache-Control': 'no-store',
  }
  if (contentType !== undefined) headers['Content-Type'] = contentType
  if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter)
  // Consume the request body first so that keep-alive stays usable for the client's next attempt.
  request.resume()
  response.writeHead(fault.status, headers)
  response.end(bytes)
  return true
}
