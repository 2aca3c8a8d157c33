/**
 * Our token out of the errors a call ends with. A server may echo the request back (a debugging proxy, a
 * misconfigured gateway, an error page that quotes the headers): in grpc-message, in trailers or in error
 * details. Connect copies all of that into the `ConnectError` a caller logs. What goes is core's rule
 * (`redactTokens`, and `redactTokenBytes` for serialized messages); this file only walks a `ConnectError`.
 */
import { ConnectError } from '@connectrpc/connect'
import { redactTokenBytes, redactTokens } from '@nebius-auth/core/adapter'

/** A binary metadata value (`-bin`, base64, as gRPC's grpc-status-details-bin) with the tokens in it masked. */
function redactBinaryValue(value: string, tokens: readonly string[]): string {
  let bytes: Uint8Array
  try {
    bytes = Uint8Array.from(atob(value), (character) => character.charCodeAt(0))
  } catch {
    return redactTokens(value, tokens) // not base64 after all: treated as text
  }
  const redacted = redactTokenBytes(bytes, tokens)
  return redacted === bytes ? value : btoa(Array.from(redacted, (byte) => String.fromCharCode(byte)).join(''))
}

function redactMetadataValue(name: string, value: string, tokens: readonly string[]): string {
  return name.endsWith('-bin') ? redactBinaryValue(value, tokens) : redactTokens(value, tokens)
}

type Detail = ConnectError['details'][number]

function redactDetail(detail: Detail, tokens: readonly string[]): Detail {
  // Outgoing details (`desc`) are built by local code, never by the server.
  if (!('type' in detail)) return detail
  const value = redactTokenBytes(detail.value, tokens)
  const json = JSON.stringify(detail.debug ?? null)
  const debug = redactTokens(json, tokens)
  if (value === detail.value && debug === json) return detail
  return debug === json
    ? { ...detail, value }
    : { ...detail, value, debug: JSON.parse(debug) as typeof detail.debug }
}

function carries(error: ConnectError, tokens: readonly string[]): boolean {
  const metadata = [...error.metadata].map(
    ([name, value]) => redactMetadataValue(name, value, tokens) !== value,
  )
  const details = error.details.map((detail) => redactDetail(detail, tokens) !== detail)
  return (
    redactTokens(error.rawMessage, tokens) !== error.rawMessage || [...metadata, ...details].includes(true)
  )
}

/**
 * A new `ConnectError` like `error` (code, cause, details, whether it came from the server) with
 * `rawMessage` and `metadata` in place of its own. The original's stack is not carried over.
 *
 * @example
 * ```ts
 * throw rebuilt(error, `${error.rawMessage} (a hint)`, error.metadata)
 * ```
 */
export function rebuilt(
  error: ConnectError,
  rawMessage: string,
  metadata: Headers,
  details: ConnectError['details'] = error.details,
): ConnectError {
  const copy = new ConnectError(rawMessage, error.code, metadata, [], error.cause)
  copy.details = details
  // Connect 2.1+ marks errors that came from the server; 2.0 has no such field.
  if ('isWireError' in error) copy.isWireError = error.isWireError
  return copy
}

/**
 * `error` when no part of it holds one of `tokens` (or anything shaped like a token); otherwise a new
 * `ConnectError` with the same code and cause whose message, metadata and details hold the sanitized forms
 * (the original, stack included, is dropped: it holds the token).
 *
 * @example
 * ```ts
 * throw withoutTokens(error, [token])
 * ```
 */
export function withoutTokens(error: unknown, tokens: readonly string[]): unknown {
  if (!(error instanceof ConnectError) || !carries(error, tokens)) return error
  const metadata = new Headers()
  for (const [name, value] of error.metadata) metadata.append(name, redactMetadataValue(name, value, tokens))
  return rebuilt(
    error,
    redactTokens(error.rawMessage, tokens),
    metadata,
    error.details.map((detail) => redactDetail(detail, tokens)),
  )
}
