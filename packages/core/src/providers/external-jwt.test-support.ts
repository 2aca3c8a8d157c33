/**
 * External OIDC JWTs for tests of federated credentials against a plain local server, which does not
 * verify signatures: the shape and the `exp` claim are what the client looks at. The emulator's tests
 * use really signed ones from `emulator.oidcIssuer()`.
 */
import { randomBytes } from 'node:crypto'

let counter = 0

/** A compact JWS whose payload holds `exp` (seconds) and a unique `jti`, with a random "signature". */
export function externalJwt(expiresAt: number, claims: Record<string, unknown> = {}): string {
  counter += 1
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const header = encode({ alg: 'RS256', typ: 'JWT', kid: 'issuer-key' })
  const payload = encode({
    iss: 'https://issuer.example',
    sub: 'system:serviceaccount:default:app',
    exp: Math.floor(expiresAt / 1000),
    jti: `jwt-${counter}`,
    ...claims,
  })
  return `${header}.${payload}.${randomBytes(64).toString('base64url')}`
}
