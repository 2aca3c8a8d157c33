import { KeyObject, sign, type webcrypto } from 'node:crypto'

import type { ServiceAccountKey } from './types.js'

/**
 * The audience Nebius IAM expects in every service-account assertion.
 *
 * @example
 * ```ts
 * const [, claims = ''] = (await signAssertion(key)).split('.')
 * JSON.parse(Buffer.from(claims, 'base64url').toString()).aud === assertionAudience // true
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

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function toKeyObject(privateKey: unknown): KeyObject {
  // A WebCrypto CryptoKey (from jose or crypto.subtle) converts without export, even when non-extractable.
  let key: KeyObject | undefined
  if (privateKey instanceof KeyObject) key = privateKey
  else {
    try {
      // Node 20 has no CryptoKey constructor on node:crypto to test with instanceof; from() checks instead.
      key = KeyObject.from(privateKey as webcrypto.CryptoKey)
    } catch {
      key = undefined
    }
  }
  if (key?.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
    throw new TypeError('key.privateKey must be an RSA private key (KeyObject or CryptoKey)')
  }
  return key
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
  const privateKey = toKeyObject(key.privateKey)

  // Key order is fixed on purpose so that the header is byte-for-byte what the design names.
  const header = { alg: 'RS256', typ: 'JWT', kid: key.publicKeyId }
  // RFC 7519 §4.1.6: NumericDate is seconds; fractions would be rejected by strict verifiers.
  const issuedAt = Math.floor(now / 1000)
  const claims = {
    iss: key.serviceAccountId,
    sub: key.serviceAccountId,
    aud: assertionAudience,
    iat: issuedAt,
    exp: issuedAt + lifetime,
  }
  const signingInput = `${base64url(header)}.${base64url(claims)}`
  // node:crypto signs synchronously in native code: faster than WebCrypto's promise round trip.
  const signature = sign('sha256', Buffer.from(signingInput), privateKey)
  return `${signingInput}.${signature.toString('base64url')}`
}
