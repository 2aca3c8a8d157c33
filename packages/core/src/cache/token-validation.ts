import { NebiusAuthError } from '../common/errors.js'
import { concealToken } from '../common/sanitize.js'
import { isBearerToken } from '../common/token-format.js'
import type { AccessToken } from '../common/types.js'

function invalidToken(problem: string): NebiusAuthError {
  return new NebiusAuthError('ERR_TOKEN_INVALID', `fetchToken resolved to an unusable token: ${problem}`)
}

/**
 * The cache's own copy of what its source delivered at `time`: a frozen `{ token, expiresAt }` that
 * `util.inspect` and `JSON.stringify` show sanitized. Throws `ERR_TOKEN_INVALID` for anything that cannot
 * be sent as a bearer token or has expired, and `ERR_TOKEN_REJECTED` for a token the server refused.
 *
 * @example
 * ```ts
 * const token = validateToken(await fetchToken(signal), Date.now(), rejectedTokens)
 * ```
 */
export function validateToken(
  value: unknown,
  time: number,
  rejectedTokens: ReadonlyMap<string, number>,
): AccessToken {
  if (typeof value !== 'object' || value === null) throw invalidToken('not an object')
  const { token, expiresAt } = value as { token?: unknown; expiresAt?: unknown }
  if (!isBearerToken(token)) {
    throw invalidToken('token must be a non-empty string of visible ASCII characters')
  }
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
    throw invalidToken('expiresAt must be a finite number of epoch milliseconds')
  }
  if (expiresAt <= time) throw invalidToken('expiresAt is already past (it is epoch milliseconds)')
  if (rejectedTokens.has(token)) {
    throw new NebiusAuthError('ERR_TOKEN_REJECTED', 'The token source returned a token the server rejected')
  }
  // A frozen copy: callers cannot alter the cached token, and extra fields of the source stay out.
  // Concealed, so `console.log(await provider.getToken())` shows only the sanitized token.
  return Object.freeze(concealToken({ token, expiresAt }))
}
