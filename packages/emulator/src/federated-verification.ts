import { verify } from 'node:crypto'

import { IssuerKeysError, issuerKeys } from './issuer-keys.js'
import { decodeJsonSegment, isBase64url, isIntegerDate, isNonEmptyString } from './jwt-verification.js'
import type { VerificationKey } from './jwks.js'
import type { EmulatorState } from './state.js'

/** Clock skew tolerated on `iat` and `nbf`, in seconds, as for subject JWTs. */
const CLOCK_SKEW = 60

/** Why an actor token is refused (always `invalid_grant`), or the account it may act as. */
export type ActorVerdict =
  | { readonly ok: false; readonly status: 400 | 401; readonly description: string }
  | { readonly ok: true; readonly serviceAccountId: string }

function refuse(status: 400 | 401, description: string): ActorVerdict {
  return { ok: false, status, description }
}

function checkSignature(
  encodedHeader: string,
  encodedPayload: string,
  signature: string,
  key: VerificationKey,
): boolean {
  const input = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii')
  const bytes = Buffer.from(signature, 'base64url')
  // JWS (RFC 7518 §3.4) carries ECDSA signatures as r‖s, not DER.
  return key.alg === 'ES256'
    ? verify('sha256', input, { key: key.key, dsaEncoding: 'ieee-p1363' }, bytes)
    : verify('sha256', input, key.key, bytes)
}

/**
 * Verifies an external OIDC JWT presented as `actor_token` for `serviceAccountId`, the way IAM checks
 * federated credentials: a compact JWS signed (RS256 or ES256) by a key of an issuer the account trusts
 * (inline JWKS, or discovery → `jwks_uri`), `iss` equal to that issuer URL, `sub` equal to a federated
 * subject of the account, and a current validity window (`exp` required, `nbf`/`iat` not in the future).
 * `aud` is not checked: a federated credential here names an issuer and a subject only.
 */
export async function verifyFederatedActor(
  state: EmulatorState,
  serviceAccountId: string,
  token: string,
): Promise<ActorVerdict> {
  const bindings = state.federated.filter((binding) => binding.serviceAccountId === serviceAccountId)
  if (bindings.length === 0) return refuse(400, 'the service account has no federated credentials')
  const segments = token.split('.')
  const [encodedHeader = '', encodedPayload = '', signature = ''] = segments
  if (segments.length !== 3 || !isBase64url(encodedHeader) || !isBase64url(encodedPayload)) {
    return refuse(400, 'actor_token is not a compact JWS (three base64url segments)')
  }
  const header = decodeJsonSegment(encodedHeader)
  const claims = decodeJsonSegment(encodedPayload)
  if (header === undefined || claims === undefined) return refuse(400, 'actor_token is not a JWT')
  // RFC 8725 §3.1: the algorithm comes from the key, never from the token; `none` and HS256 are refused.
  if (header.alg !== 'RS256' && header.alg !== 'ES256')
    return refuse(400, 'actor_token alg must be RS256 or ES256')
  if (signature === '' || !isBase64url(signature)) return refuse(401, 'actor_token is not signed')
  if (header.crit !== undefined) return refuse(400, 'actor_token uses unsupported crit header parameters')
  const kid = isNonEmptyString(header.kid) ? header.kid : undefined

  const { iss, sub, exp, nbf, iat } = claims
  if (!isNonEmptyString(iss)) return refuse(400, 'actor_token is missing the iss claim')
  const trusted = bindings.filter((binding) => binding.issuerUrl === iss)
  if (trusted.length === 0)
    return refuse(400, "actor_token iss is not an issuer of the service account's federated credentials")

  let keys: readonly VerificationKey[]
  try {
    keys = trusted.find((binding) => binding.keys !== undefined)?.keys ?? (await issuerKeys(state, iss, kid))
  } catch (error) {
    return refuse(
      400,
      error instanceof IssuerKeysError ? error.message : "the issuer's keys could not be read",
    )
  }
  const candidates = keys.filter((key) => key.alg === header.alg && (kid === undefined || key.kid === kid))
  if (candidates.length === 0) return refuse(401, 'actor_token kid is not a key of its issuer')
  if (!candidates.some((key) => checkSignature(encodedHeader, encodedPayload, signature, key))) {
    return refuse(401, 'actor_token signature is invalid')
  }

  if (!isNonEmptyString(sub)) return refuse(400, 'actor_token is missing the sub claim')
  if (!trusted.some((binding) => binding.subject === sub)) {
    return refuse(400, "actor_token sub is not a subject of the service account's federated credentials")
  }
  if (exp === undefined) return refuse(400, 'actor_token is missing the exp claim')
  if (!isIntegerDate(exp)) return refuse(400, 'actor_token exp must be integer seconds')
  const now = Math.floor(state.now() / 1000)
  if (exp <= now) return refuse(400, 'actor_token is expired')
  if (nbf !== undefined && (!isIntegerDate(nbf) || nbf > now + CLOCK_SKEW))
    return refuse(400, 'actor_token is not valid yet (nbf)')
  if (iat !== undefined && (!isIntegerDate(iat) || iat > now + CLOCK_SKEW))
    return refuse(400, 'actor_token iat is in the future')
  return { ok: true, serviceAccountId }
}
