import { CompactSign } from 'jose'

import type { CryptoKey, KeyObject, ServiceAccountKey } from '../common/types.js'

/**
 * The audience Nebius IAM expects in every service-account assertion.
 *
 * @example
 * ```ts
 * const [, claims = ''] = (await signAssertion(key)).split('.')
 * JSON.parse(atob(claims.replace(/-/g, '+').replace(/_/g, '/'))).aud === assertionAudience // true
 * ```
 */
export const assertionAudience = 'token-service.iam.new.nebiuscloud.net'

/**
 * Options for {@link signAssertion}.
 *
 * @example
 * ```ts
 * const options: SignAssertionOptions = { now: Date.now(), lifetime: 60 } // a one-minute assertion
 * const assertion = await signAssertion(key, options)
 * ```
 */
export interface SignAssertionOptions {
  /** The signing time in Unix epoch milliseconds. Default: `Date.now()`. */
  now?: number
  /** How long the assertion stays valid, in whole seconds (JWT claims are seconds). Default: 300. */
  lifetime?: number
}

const defaultLifetime = 300

/**
 * Checks the key's shape without `instanceof` (a `CryptoKey` from another realm or a `KeyObject` from another
 * copy of node:crypto still qualifies); jose then checks that a `CryptoKey` was imported for RS256.
 */
function requirePrivateRsaKey(privateKey: unknown): CryptoKey | KeyObject {
  const key = privateKey as Partial<CryptoKey & KeyObject> | null
  const rsa =
    typeof key === 'object' &&
    key !== null &&
    key.type === 'private' &&
    (key.asymmetricKeyType === 'rsa' || key.algorithm?.name === 'RSASSA-PKCS1-v1_5')
  if (!rsa) throw new TypeError('key.privateKey must be an RSA private key (KeyObject or CryptoKey)')
  return key as CryptoKey | KeyObject
}

function validate(key: ServiceAccountKey, options: SignAssertionOptions): { now: number; lifetime: number } {
  if (typeof key !== 'object' || (key as unknown) === null)
    throw new TypeError('key must be a ServiceAccountKey')
  if (typeof key.serviceAccountId !== 'string' || key.serviceAccountId === '') {
    throw new TypeError('key.serviceAccountId must be a non-empty string')
  }
  if (typeof key.publicKeyId !== 'string' || key.publicKeyId === '') {
    throw new TypeError('key.publicKeyId must be a non-empty string')
  }
  const { now = Date.now(), lifetime = defaultLifetime } = options
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
    throw new TypeError('options.now must be a non-negative finite number of milliseconds')
  }
  if (typeof lifetime !== 'number' || !Number.isSafeInteger(lifetime) || lifetime <= 0) {
    throw new TypeError('options.lifetime must be a positive whole number of seconds')
  }
  return { now, lifetime }
}

/**
 * Signs the short-lived JWT (RFC 7519, RS256 per RFC 7518 §3.3) that a service account exchanges for an
 * access token. Header: `{"alg":"RS256","typ":"JWT","kid":<publicKeyId>}`; claims: `iss` = `sub` = the
 * service account ID, `aud` = `"token-service.iam.new.nebiuscloud.net"`, `iat` = now, `exp` = `iat` +
 * `lifetime`, all in whole seconds.
 *
 * @param key - The service account's authorized key.
 * @param options - `now` (ms, default `Date.now()`) and `lifetime` (seconds, default 300).
 * @returns The compact JWS `header.claims.signature`.
 * @throws TypeError naming the option or key field that is invalid.
 *
 * @example
 * ```ts
 * const key = await readCredentialsFile('credentials.json')
 * const assertion = await signAssertion(key)
 * const { token } = await exchangeToken(assertion)
 * ```
 */
export async function signAssertion(
  key: ServiceAccountKey,
  options: SignAssertionOptions = {},
): Promise<string> {
  await Promise.resolve() // Settle asynchronously always: a validation throw becomes a rejection.
  const { now, lifetime } = validate(key, options)
  const privateKey = requirePrivateRsaKey(key.privateKey)

  // RFC 7519 §4.1.6: NumericDate is seconds; fractions would be rejected by strict verifiers.
  const issuedAt = Math.floor(now / 1000)
  // The header and the claims keep the order given: the header is byte-for-byte
  // {"alg":"RS256","typ":"JWT","kid":…} and the claims iss, sub, aud, iat, exp, as Nebius SDKs send them.
  const claims = {
    iss: key.serviceAccountId,
    sub: key.serviceAccountId,
    aud: assertionAudience,
    iat: issuedAt,
    exp: issuedAt + lifetime,
  }
  // One signing path on every runtime: jose signs with WebCrypto (converting a KeyObject once, cached).
  // CompactSign over claims serialised here, rather than SignJWT, which would re-check the claims we just
  // built and add its claims module (about 2 KB minified) to every browser and edge bundle.
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.publicKeyId })
    .sign(privateKey)
}
