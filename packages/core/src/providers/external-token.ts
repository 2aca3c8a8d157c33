import { CredentialsError, NebiusAuthError } from '../common/errors.js'
import { tokenProblem } from './static-token.js'

/*
 * The external OIDC JWT of federated credentials (a CI job's or a Kubernetes pod's token): where it
 * comes from, and the checks made before it is sent. Web APIs only (atob, TextDecoder), so this runs on
 * every runtime; reading a file is the one Node-only piece and lives in runtime/node/files.ts.
 */

/** Where an external JWT comes from: called once for every exchange. */
export type ExternalTokenSource = () => Promise<string>

/**
 * How long, in ms, an external JWT must still be valid when it is taken for an exchange: the exchange's
 * worst case (three attempts of 5 s plus the waits between them) with room to spare, so that IAM never
 * receives a JWT that expired in flight.
 */
const externalTokenMargin = 30_000

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The `exp` claim of a compact JWS, in epoch ms, read WITHOUT verifying the signature (IAM verifies it;
 * this only decides whether the token is worth sending). `undefined` when there is no readable `exp`.
 *
 * @example
 * ```ts
 * jwtExpiry(jwt) // 1767225600000
 * ```
 */
function jwtExpiry(jwt: string): number | undefined {
  const payload = jwt.split('.')[1]
  if (payload === undefined || !/^[A-Za-z0-9_-]+$/.test(payload)) return undefined
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (character) =>
      character.charCodeAt(0),
    )
    const claims: unknown = JSON.parse(utf8.decode(bytes))
    const exp = (claims as { exp?: unknown } | null)?.exp
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined
  }
}

/**
 * Checks what a source gave: a trimmed, header-safe compact JWS. The message describes, never quotes.
 *
 * @example
 * ```ts
 * const jwt = checkExternalToken(await source(), 'options.token')
 * ```
 */
function checkExternalToken(value: unknown, origin: string): string {
  if (typeof value !== 'string') {
    throw new CredentialsError(
      'ERR_EXTERNAL_TOKEN_INVALID',
      `The external token from ${origin} is not a string`,
    )
  }
  const token = value.trim()
  const problem = tokenProblem(token) ?? (token.split('.').length === 3 ? undefined : 'is not a JWT')
  if (problem !== undefined) {
    throw new CredentialsError('ERR_EXTERNAL_TOKEN_INVALID', `The external token from ${origin} ${problem}`)
  }
  return token
}

/**
 * Wraps a source's own failure in a `CredentialsError`; our errors pass through with their codes.
 *
 * @example
 * ```ts
 * const source = guardSource(() => fetchTokenSomehow(), 'options.token')
 * ```
 */
export function guardSource(read: () => string | Promise<string>, origin: string): ExternalTokenSource {
  return async () => {
    try {
      return await read()
    } catch (error) {
      if (NebiusAuthError.isInstance(error)) throw error
      // The source's message is the user's and may quote anything; it stays in `cause` only.
      throw new CredentialsError(
        'ERR_EXTERNAL_TOKEN_UNAVAILABLE',
        `The external token source ${origin} failed`,
        {
          cause: error,
        },
      )
    }
  }
}

/**
 * Takes a JWT from `source` that stays valid for at least {@link externalTokenMargin}: one that is
 * expired or about to expire is asked for again once (a rotated file, a fresh CI token), and if that one
 * is no better the exchange is not attempted (`ERR_EXTERNAL_TOKEN_EXPIRED`). A JWT without `exp` is
 * passed on for IAM to judge.
 *
 * @example
 * ```ts
 * const jwt = await freshExternalToken(source, { origin: 'options.tokenFile', now: Date.now, refreshable: true })
 * ```
 */
export async function freshExternalToken(
  source: ExternalTokenSource,
  options: { origin: string; now: () => number; refreshable: boolean },
): Promise<string> {
  const { origin, now, refreshable } = options
  const attempts = refreshable ? 2 : 1
  for (let attempt = 1; ; attempt++) {
    const token = checkExternalToken(await source(), origin)
    const expiresAt = jwtExpiry(token)
    if (expiresAt === undefined || expiresAt - now() > externalTokenMargin) return token
    if (attempt >= attempts) {
      const state = expiresAt <= now() ? 'has expired' : 'expires within 30 s'
      throw new CredentialsError(
        'ERR_EXTERNAL_TOKEN_EXPIRED',
        `The external token from ${origin} ${state}${refreshable ? ', also when read again' : ''}`,
      )
    }
  }
}
