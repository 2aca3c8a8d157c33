import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'
import { markHonoursSignal } from '../common/abortable.js'
import { NebiusAuthError } from '../common/errors.js'
import { concealToken } from '../common/sanitize.js'
import { isBearerToken } from '../common/token-format.js'
import { named } from './named.js'

/**
 * Why a piece of text cannot be a bearer token, or `undefined` when it can. The text must already be
 * trimmed. RFC 6750 §2.1 allows only visible ASCII in a bearer token, and an `Authorization` header
 * cannot carry a line break at all, so whitespace inside is a pasted-together value, never a token.
 * The reason never quotes the text: it is a secret.
 *
 * @internal Shared by the providers that read tokens from strings, files and the CLI.
 *
 * @example
 * ```ts
 * tokenProblem('v1.a.b')      // undefined
 * tokenProblem('v1.a\nv1.b') // 'spans more than one line'
 * ```
 */
export function tokenProblem(text: string): string | undefined {
  if (text === '') return 'is empty'
  // The whole header value pasted instead of the token: say so, instead of "contains whitespace".
  if (/^bearer\s/i.test(text)) return 'starts with "Bearer ": set the token alone, without the prefix'
  if (/[\r\n]/.test(text)) return 'spans more than one line'
  if (/\s/.test(text)) return 'contains whitespace'
  if (!isBearerToken(text)) return 'contains characters that cannot appear in an HTTP header'
  return undefined
}

/**
 * A provider that always returns the same, ready-made access token, such as the output of
 * `nebius iam get-access-token` or the `NEBIUS_IAM_TOKEN` environment variable.
 *
 * The token is trimmed. Its expiry is unknown, so `expiresAt` is `Infinity`: "no known expiry, never
 * refreshed by this provider". A rejected token cannot be replaced either, so `getToken({ rejected })`
 * returns the same token, which is how adapters know not to retry a 401 for it.
 *
 * @param token - The access token. Empty text, whitespace inside the token (several lines included) or
 *   non-ASCII characters throw a `TypeError` naming `token`, never quoting it.
 *
 * @example
 * ```ts
 * import { staticToken } from '@nebius-auth/core'
 *
 * const provider = staticToken(process.env.MY_TOKEN ?? '')
 * const { token } = await provider.getToken()
 * ```
 */
export function staticToken(token: string): TokenProvider & { close(): void } {
  if (typeof token !== 'string') throw new TypeError('staticToken: token must be a string')
  const trimmed = token.trim()
  const problem = tokenProblem(trimmed)
  if (problem !== undefined) throw new TypeError(`staticToken: token ${problem}`)
  // One frozen object for every call: nothing to refresh, nothing to share.
  // Concealed: printing what getToken returned shows only the sanitized token.
  let accessToken: AccessToken | undefined = Object.freeze(
    concealToken({ token: trimmed, expiresAt: Number.POSITIVE_INFINITY }),
  )
  // One settled promise for every call that is not aborted: a warm request allocates nothing.
  let served: Promise<AccessToken> | undefined = Promise.resolve(accessToken)
  // The token stays in this closure, and the provider prints as its name.
  // Marked as honouring the signal: every call settles at once, an aborted one with the signal's reason.
  const provider = markHonoursSignal({
    getToken(options?: GetTokenOptions): Promise<AccessToken> {
      if (served !== undefined && options?.signal?.aborted !== true) return served
      // A throw inside the executor becomes the rejection, so an aborted caller still gets a promise.
      return new Promise((resolve) => {
        options?.signal?.throwIfAborted()
        if (accessToken === undefined) {
          throw new NebiusAuthError('ERR_PROVIDER_CLOSED', 'The token provider was closed')
        }
        resolve(accessToken)
      })
    },
    peek(): AccessToken | undefined {
      return accessToken
    },
    /** Forgets the token; later calls reject with `ERR_PROVIDER_CLOSED`. */
    close(): void {
      accessToken = undefined
      served = undefined
    },
  })
  return named('static-token', provider)
}
