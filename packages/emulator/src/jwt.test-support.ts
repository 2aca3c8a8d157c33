// Test helpers: JWTs built by hand with node:crypto alone (no jose, no core), so the emulator is checked
// against the wire format itself rather than against another implementation of it.
import { createHmac, sign } from 'node:crypto'

import type { EmulatedServiceAccount } from './types.js'

export const AUDIENCE = 'token-service.iam.new.nebiuscloud.net'
export const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'

function encode(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
}

/** Signs `header.claims` with RS256 using `privateKeyPem`. */
export function signRs256(header: object, claims: object, privateKeyPem: string): string {
  const signingInput = `${encode(header)}.${encode(claims)}`
  const signature = sign('sha256', Buffer.from(signingInput), privateKeyPem).toString('base64url')
  return `${signingInput}.${signature}`
}

/** Signs with HS256, using `secret` (e.g. the public key PEM: the classic algorithm-confusion attack). */
export function signHs256(header: object, claims: object, secret: string): string {
  const signingInput = `${encode(header)}.${encode(claims)}`
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`
}

/** An unsigned JWT (`alg: none`). */
export function unsigned(header: object, claims: object): string {
  return `${encode(header)}.${encode(claims)}.`
}

/** The header and claims Nebius SDKs send, at `now` (ms). */
export function validJwtParts(
  account: Pick<EmulatedServiceAccount, 'serviceAccountId' | 'publicKeyId'>,
  now = Date.now(),
): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const iat = Math.floor(now / 1000)
  return {
    header: { alg: 'RS256', typ: 'JWT', kid: account.publicKeyId },
    claims: {
      iss: account.serviceAccountId,
      sub: account.serviceAccountId,
      aud: AUDIENCE,
      iat,
      exp: iat + 300,
    },
  }
}

/** A valid subject JWT for `account`. */
export function validJwt(account: EmulatedServiceAccount, now = Date.now()): string {
  const { header, claims } = validJwtParts(account, now)
  return signRs256(header, claims, account.privateKeyPem)
}

/** The RFC 8693 form the Nebius docs use, with `overrides` (undefined removes a field). */
export function exchangeForm(
  subjectToken: string,
  overrides: Record<string, string | undefined> = {},
): string {
  const fields: Record<string, string | undefined> = {
    grant_type: GRANT_TYPE,
    requested_token_type: ACCESS_TOKEN_TYPE,
    subject_token: subjectToken,
    subject_token_type: JWT_TOKEN_TYPE,
    ...overrides,
  }
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value)
  return form.toString()
}

/** POSTs a form body to the exchange endpoint. */
export function postExchange(
  endpoint: string,
  body: string,
  contentType = 'application/x-www-form-urlencoded',
): Promise<Response> {
  return fetch(endpoint, { method: 'POST', headers: { 'Content-Type': contentType }, body })
}

/** Exchanges a valid JWT for `account` and returns the access token. */
export async function exchange(endpoint: string, account: EmulatedServiceAccount): Promise<string> {
  const response = await postExchange(endpoint, exchangeForm(validJwt(account)))
  if (response.status !== 200) throw new Error(`exchange failed with ${response.status}`)
  const json = (await response.json()) as { access_token: string }
  return json.access_token
}
