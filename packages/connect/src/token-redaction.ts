/**
 * Our token out of the errors a call ends with. A server may echo the request back (a debugging proxy, a
 * misconfigured gateway, an error page that quotes the headers): in grpc-message, in trailers or in error
 * details. Connect copies all of that into the `ConnectError` a caller logs, so those parts are rewritten
 * with the token's sanitized form (core's `redactedBearer`), as the HTTP adapters do for their requests.
 */
import { ConnectError } from '@connectrpc/connect'
import { bearer, redactedBearer } from '@nebius-auth/core/adapter'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The sanitized form of `token`: what `redactedBearer` puts after `Bearer `. */
function sanitized(token: string): string {
  return redactedBearer(token).slice(bearer('').length)
}

function redactText(text: string, tokens: readonly string[]): string {
  return tokens.reduce((result, token) => result.split(token).join(sanitized(token)), text)
}

/**
 * Bytes of an error detail (a serialized message) with each token overwritten in place by its sanitized
 * form padded with `*` to the same length, so every length prefix stays right and the detail still decodes.
 */
function redactBytes(bytes: Uint8Array, tokens: readonly string[]): Uint8Array {
  const text = decoder.decode(bytes)
  if (!tokens.some((token) => text.includes(token))) return bytes
  let result = bytes
  for (const token of tokens) {
    const secret = encoder.encode(token)
    const mask = encoder.encode(sanitized(token).padEnd(token.length, '*').slice(0, token.length))
    for (let index = indexOf(result, secret, 0); index !== -1; index = indexOf(result, secret, index)) {
      if (result === bytes) result = bytes.slice()
      result.set(mask, index)
    }
  }
  return result
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let start = from; start <= haystack.length - needle.length; start++) {
    for (let offset = 0; offset < needle.length; offset++)
      if (haystack[start + offset] !== needle[offset]) continue outer
    return start
  }
  return -1
}

/** A binary metadata value (`-bin`, base64, as gRPC's grpc-status-details-bin) with the tokens in it masked. */
function redactBinaryValue(value: string, tokens: readonly string[]): string {
  let bytes: Uint8Array
  try {
    bytes = Uint8Array.from(atob(value), (character) => character.charCodeAt(0))
  } catch {
    return redactText(value, tokens) // not base64 after all: treated as text
  }
  const redacted = redactBytes(bytes, tokens)
  return redacted === bytes ? value : btoa(Array.from(redacted, (byte) => String.fromCharCode(byte)).join(''))
}

function redactMetadataValue(name: string, value: string, tokens: readonly string[]): string {
  return name.endsWith('-bin') ? redactBinaryValue(value, tokens) : redactText(value, tokens)
}

type Detail = ConnectError['details'][number]

function redactDetail(detail: Detail, tokens: readonly string[]): Detail {
  // Outgoing details (`desc`) are built by local code, never by the server.
  if (!('type' in detail)) return detail
  const value = redactBytes(detail.value, tokens)
  const json = JSON.stringify(detail.debug ?? null)
  const debug = redactText(json, tokens)
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
  return redactText(error.rawMessage, tokens) !== error.rawMessage || [...metadata, ...details].includes(true)
}

/**
 * `error` when no part of it holds one of `tokens`; otherwise a new `ConnectError` with the same code and
 * cause whose message, metadata and details hold the tokens' sanitized forms (the original, stack included,
 * is dropped: it holds the token).
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
  const redacted = new ConnectError(
    redactText(error.rawMessage, tokens),
    error.code,
    metadata,
    [],
    error.cause,
  )
  redacted.details = error.details.map((detail) => redactDetail(detail, tokens))
  // Connect 2.1+ marks errors that came from the server; 2.0 has no such field.
  if ('isWireError' in error) redacted.isWireError = error.isWireError
  return redacted
}
