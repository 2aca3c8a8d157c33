/**
 * Keeps tokens out of what a failed call shows. A server may echo the `authorization` it received in its
 * status message or trailers, and a foreign provider may put a token into its error message; grpc-js copies
 * all of that onto the ServiceError (message, details, metadata, and so `util.inspect`).
 */
import { Metadata, type StatusObject } from '@grpc/grpc-js'
import { sanitizeToken } from '@nebius-auth/core'

// Nebius tokens (`v1.`, `ne1.`, `nd1.`) and JWTs (`eyJ…`): `<public>.<public>.<signature>`. A short last part
// is more likely a version number (`v1.2.3`) than a signature, so only long ones count.
const tokenShape = /(?:\bv1|\bne1|\bnd1|\beyJ[A-Za-z0-9_-]*)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{12,}/g

/** Signatures at least this long are masked on their own too; shorter ones could match innocent words. */
const shortestSignature = 12

/**
 * `text` with each of `tokens`, the signature part of each, and anything shaped like a token sanitized.
 *
 * @example
 * ```ts
 * redactTokens('echo: Bearer v1.abc.c2lnbmF0dXJlLXNlY3JldA', ['v1.abc.c2lnbmF0dXJlLXNlY3JldA']) // 'echo: Bearer v1.abc.**'
 * ```
 */
export function redactTokens(text: string, tokens: readonly string[]): string {
  let result = text
  for (const token of tokens) {
    if (token.length === 0) continue
    result = result.split(token).join(sanitizeToken(token))
    const signature = token.slice(token.lastIndexOf('.') + 1)
    if (signature !== token && signature.length >= shortestSignature)
      result = result.split(signature).join('**')
  }
  return result.replace(tokenShape, (found) => sanitizeToken(found))
}

function redactValue(value: string | Buffer, tokens: readonly string[]): string | Buffer {
  if (typeof value === 'string') return redactTokens(value, tokens)
  // Binary (`-bin`) entries: compared as text, rewritten only when something had to go.
  const text = value.toString('latin1')
  const redacted = redactTokens(text, tokens)
  return redacted === text ? value : Buffer.from(redacted, 'latin1')
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

/** The last few tokens an adapter sent, so a foreign provider's later error that quotes one is redacted. */
export interface RecentTokens {
  remember(token: string): void
  readonly list: readonly string[]
}

/**
 * A small most-recent-first list of tokens (a provider hands out one at a time; a few cover a rotation).
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
