// The rules an authorized key must meet on every runtime, shared by the Node and the WebCrypto decoders so
// that both refuse the same keys with the same words.
import { CredentialsError } from '../common/errors.js'

// RS256 with a shorter modulus is below NIST SP 800-131A's floor, and Nebius refuses such keys anyway.
const minimumModulusLength = 2048

/**
 * The error for a key that cannot be used; the message says why and never includes key material.
 *
 * @example
 * ```ts
 * throw invalidKey('the private key PEM is malformed or corrupted', error)
 * ```
 */
export function invalidKey(message: string, cause?: unknown): CredentialsError {
  return new CredentialsError('ERR_KEY_INVALID', message, { cause })
}

/**
 * Refuses a key that is not plain RSA or is too short. `type` is Node's `asymmetricKeyType` naming
 * (`rsa`, `rsa-pss`, `ec`, `ed25519`, `ed448`).
 *
 * @example
 * ```ts
 * requireRsa(keyObject.asymmetricKeyType, keyObject.asymmetricKeyDetails?.modulusLength)
 * ```
 */
export function requireRsa(type: string | undefined, modulusLength: number | undefined): void {
  if (type === 'ec') throw invalidKey('the private key is an EC key; Nebius authorized keys are RSA')
  if (type === 'ed25519' || type === 'ed448') {
    throw invalidKey(
      `the private key is an ${type === 'ed25519' ? 'Ed25519' : 'Ed448'} key; Nebius authorized keys are RSA`,
    )
  }
  if (type === 'rsa-pss') {
    throw invalidKey('the private key is restricted to RSA-PSS; RS256 needs a plain RSA key (PKCS#1 v1.5)')
  }
  if (type !== 'rsa')
    throw invalidKey(`the private key is of type ${type ?? 'unknown'}; Nebius authorized keys are RSA`)
  const bits = modulusLength ?? 0
  if (bits < minimumModulusLength) {
    throw invalidKey(`the RSA key has ${bits} bits; at least ${minimumModulusLength} are required`)
  }
}

/** The fields of an RSA private JWK (RFC 7518 §6.3); anything else (`use`, `key_ops`, `alg`) is left out. */
const rsaPrivateJwkFields = ['kty', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const

/**
 * Checks a parsed JWK before any runtime sees it, and returns only its RSA private fields.
 *
 * @example
 * ```ts
 * const fields = rsaPrivateJwk(JSON.parse(text))
 * ```
 */
export function rsaPrivateJwk(jwk: Record<string, unknown>): Record<string, string> {
  const kty = jwk.kty
  if (kty === 'EC') requireRsa('ec', undefined)
  if (kty === 'OKP') requireRsa(jwk.crv === 'Ed448' ? 'ed448' : 'ed25519', undefined)
  if (kty !== 'RSA') throw invalidKey('the JWK is not an RSA key ("kty" must be "RSA")')
  if (jwk.d === undefined) throw invalidKey('the JWK holds a public key; a private key is required')
  const fields: Record<string, string> = {}
  for (const name of rsaPrivateJwkFields) {
    const value = jwk[name]
    if (value === undefined) continue
    if (typeof value !== 'string') throw invalidKey(`the JWK field "${name}" must be a string`)
    fields[name] = value
  }
  return fields
}
