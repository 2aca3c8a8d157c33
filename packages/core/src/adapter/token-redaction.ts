/**
 * Tokens out of what a failed gRPC call shows. A server may echo the `authorization` it received (in its
 * status message, its trailers, an error detail), and a foreign provider may quote a token in its error;
 * grpc-js and Connect copy all of that into the error a caller logs. The gRPC adapters keep only the
 * wrapping of their own error types; the rule of what goes lives here, once.
 */
import { redactSecrets, sanitizeToken } from '../common/sanitize.js'

// Nebius tokens (`v1.`, `ne1.`, `nd1.`) and JWTs (`eyJ…`): `<public>.<public>.<signature>`. A short last part
// is more likely a version number (`v1.2.3`) than a signature, so only long ones count.
const tokenShape = /(?:\bv1|\bne1|\bnd1|\beyJ[A-Za-z0-9_-]*)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{12,}/g

/** Signatures at least this long are masked on their own too (`redactSecrets`' rule for text). */
const shortestSignature = 16

function signatureOf(token: string): string | undefined {
  const signature = token.slice(token.lastIndexOf('.') + 1)
  return signature !== token && signature.length >= shortestSignature ? signature : undefined
}

/**
 * `text` with each of `tokens` sanitized (`sanitizeToken`), the signature part of each masked, and anything
 * shaped like a Nebius token or a JWT sanitized too.
 *
 * @example
 * ```ts
 * redactTokens('echo: Bearer v1.abc.c2lnbmF0dXJlLXNlY3JldA', ['v1.abc.c2lnbmF0dXJlLXNlY3JldA']) // 'echo: Bearer v1.abc.**'
 * ```
 */
export function redactTokens(text: string, tokens: readonly string[]): string {
  return redactSecrets(text, tokens).replace(tokenShape, (found) => sanitizeToken(found))
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * `bytes` (a serialized message: an error detail, a `-bin` metadata value) with the same parts masked as
 * {@link redactTokens} masks in text, each overwritten in place by its sanitized form padded with `*` to the
 * same length, so every length prefix stays right and the message still decodes. `bytes` itself when
 * nothing had to go; otherwise a copy.
 *
 * @example
 * ```ts
 * const value = redactTokenBytes(detail.value, [sentToken]) // same length, the signature now `*`s
 * ```
 */
export function redactTokenBytes(bytes: Uint8Array, tokens: readonly string[]): Uint8Array {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  const whole = tokens.filter((token) => token.length > 0 && text.includes(token))
  const signatures = tokens.flatMap((token) => {
    const signature = signatureOf(token)
    return signature !== undefined && text.includes(signature) ? [signature] : []
  })
  // Longest first, so that a token that begins with another is masked whole.
  const parts = [...whole, ...signatures].sort((a, b) => b.length - a.length).map(escaped)
  const pattern = new RegExp([...parts, tokenShape.source].join('|'), 'g')
  const masked = text.replace(pattern, (found) => {
    const shown = signatures.includes(found) ? '' : sanitizeToken(found)
    return shown.padEnd(found.length, '*').slice(0, found.length)
  })
  return masked === text ? bytes : Uint8Array.from(masked, (character) => character.charCodeAt(0))
}

/**
 * The last few tokens an adapter sent, so that a foreign provider's later error quoting one is redacted.
 *
 * @example
 * ```ts
 * const recent = recentTokens()
 * recent.remember(token)
 * redactTokens(message, recent.list)
 * ```
 */
export interface RecentTokens {
  /** Puts `token` first; cheap when it is first already, as it is for every call while a token lives. */
  remember(token: string): void
  /** Most recent first. */
  readonly list: readonly string[]
}

/**
 * A small most-recent-first list of tokens: a provider hands out one at a time, so a few cover a rotation.
 *
 * @param size - How many tokens to keep. Default 4.
 *
 * @example
 * ```ts
 * const recent = recentTokens()
 * recent.remember(token)
 * redactTokens(message, recent.list)
 * ```
 */
export function recentTokens(size = 4): RecentTokens {
  const list: string[] = []
  return {
    remember(token) {
      if (list[0] === token) return
      const index = list.indexOf(token)
      if (index !== -1) list.splice(index, 1)
      list.unshift(token)
      if (list.length > size) list.length = size
    },
    list,
  }
}
