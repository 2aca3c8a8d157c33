/**
 * Keeps tokens out of what a failed call shows. A server may echo the `authorization` it received in its
 * status message or trailers; grpc-js copies all of that onto the ServiceError (message, details, metadata,
 * and so `util.inspect`). What goes is core's rule (`redactTokens`); this file only walks grpc-js's Metadata.
 */
import { Metadata, type StatusObject } from '@grpc/grpc-js'
import { redactTokenBytes, redactTokens } from '@nebius-auth/core/adapter'

function redactValue(value: string | Buffer, tokens: readonly string[]): string | Buffer {
  if (typeof value === 'string') return redactTokens(value, tokens)
  // Binary (`-bin`) entries are serialized messages: masked in place, so they still decode.
  const redacted = redactTokenBytes(value, tokens)
  return redacted === value ? value : Buffer.from(redacted.buffer, redacted.byteOffset, redacted.byteLength)
}

/** A copy of `metadata` with every value redacted (grpc-js's public Metadata API only). */
function redactMetadata(metadata: Metadata, tokens: readonly string[]): Metadata {
  const copy = new Metadata()
  for (const key of Object.keys(metadata.getMap())) {
    for (const value of metadata.get(key)) copy.add(key, redactValue(value, tokens))
  }
  return copy
}

/**
 * The status with `tokens` (and anything token-shaped) gone from its details and metadata.
 *
 * @example
 * ```ts
 * listener.onReceiveStatus(redactStatus(status, [sentToken]))
 * ```
 */
export function redactStatus<T extends StatusObject>(status: T, tokens: readonly string[]): T {
  return {
    ...status,
    details: redactTokens(status.details, tokens),
    metadata: redactMetadata(status.metadata, tokens),
  }
}
