// The one rule for what a bearer token may look like, used wherever a token enters the library: an
// exchange response, a token source of the cache, a shared store, a string, a file, the CLI.

// RFC 6750 §2.1: a bearer token is visible ASCII without spaces; a newline in it would inject headers.
const bearerTokenPattern = /^[\x21-\x7e]+$/

/**
 * Whether `value` can travel as `Authorization: Bearer <value>`.
 *
 * @example
 * ```ts
 * isBearerToken('v1.a.b') // true
 * isBearerToken('v1.a\nx-injected: 1') // false
 * ```
 */
export function isBearerToken(value: unknown): value is string {
  return typeof value === 'string' && bearerTokenPattern.test(value)
}
