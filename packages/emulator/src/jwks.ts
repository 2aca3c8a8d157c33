import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'

/** A public key from a JWKS, ready to verify: RS256 (RSA) or ES256 (EC P-256), the algorithms OIDC issuers use. */
export interface VerificationKey {
  readonly kid: string | undefined
  readonly alg: 'RS256' | 'ES256'
  readonly key: KeyObject
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads an RFC 7517 JWK Set into verification keys; keys of other types, other curves or other uses
 * (`use: 'enc'`) are skipped, as a relying party would. Throws a TypeError naming `name` when `value`
 * is not a JWK Set at all.
 *
 * @example
 * ```ts
 * const keys = readJwks(await response.json(), 'jwks')
 * ```
 */
export function readJwks(value: unknown, name: string): VerificationKey[] {
  if (!isRecord(value) || !Array.isArray(value.keys)) {
    throw new TypeError(`${name} must be a JWK Set ({ keys: [...] })`)
  }
  const keys: VerificationKey[] = []
  for (const jwk of value.keys as unknown[]) {
    if (!isRecord(jwk) || (jwk.use !== undefined && jwk.use !== 'sig')) continue
    const alg = jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined
    if (alg === undefined || (jwk.alg !== undefined && jwk.alg !== alg)) continue
    // Only the public members: a JWKS that (wrongly) carries a private key must not make one here.
    const { kty, n, e, crv, x, y } = jwk
    try {
      const key = createPublicKey({ key: { kty, n, e, crv, x, y } as JsonWebKey, format: 'jwk' })
      keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg, key })
    } catch {
      // A malformed key is skipped; a set without any usable key verifies nothing.
    }
  }
  return keys
}
