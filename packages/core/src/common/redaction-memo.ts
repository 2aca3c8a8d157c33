/**
 * The one-entry memo behind `redactedBearer`: most requests of a process use the same token, so the last
 * answer is kept instead of recomputed. It holds a live token, so closing a provider clears it (providers
 * promise to forget their tokens on `close()`); it lives apart from redaction.ts so the cache can clear it
 * without importing the adapter helpers.
 */
let lastToken: string | undefined
let lastRedacted = ''
const emptyMatch = /^/

/**
 * The remembered redaction of `token`, or `undefined` when the memo holds another token (or none).
 *
 * @example
 * ```ts
 * const value = recallRedaction(token) ?? rememberRedaction(token, compute(token))
 * ```
 */
export function recallRedaction(token: string): string | undefined {
  return token === lastToken ? lastRedacted : undefined
}

/**
 * Remembers `redacted` as the redaction of `token` and returns it.
 *
 * @example
 * ```ts
 * return rememberRedaction(token, `Bearer ${sanitizeToken(token)}`)
 * ```
 */
export function rememberRedaction(token: string, redacted: string): string {
  lastToken = token
  lastRedacted = redacted
  return redacted
}

/**
 * Drops the remembered token, and V8's record of the last RegExp match: `RegExp.input` (`RegExp.$_`) keeps
 * the last string a regular expression matched, which is a token after sanitizing or validating one. A
 * match on the empty string overwrites it. Called by `close()` of every caching provider.
 *
 * @example
 * ```ts
 * close() { forget(); forgetRedaction() }
 * ```
 */
export function forgetRedaction(): void {
  lastToken = undefined
  lastRedacted = ''
  emptyMatch.test('')
}
