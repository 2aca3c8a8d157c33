import { verify } from 'node:crypto'

import type { EmulatorState } from './state.js'

/** The audience Nebius requires in the subject JWT; a string, as the Nebius docs and SDKs send it. */
export const TOKEN_SERVICE_AUDIENCE = 'token-service.iam.new.nebiuscloud.net'
/** Clock skew tolerated on `iat` and `nbf`, in seconds. */
const CLOCK_SKEW = 60
/** The longest JWT lifetime (`exp` − `iat`) accepted, in seconds. */
const MAXIMUM_LIFETIME = 3600

/** Why a JWT was refused, as the exchange handler reports it. */
export interface JwtRejection {
  readonly ok: false
  /**
   * 400 when the token is malformed or its claims are unacceptable; 401 when its signer cannot be
   * authenticated (unknown `kid`, bad signature, `sub` not the owner of `kid`).
   */
  readonly status: 400 | 401
  readonly description: string
}

/** A verified JWT's subject. */
export interface JwtAcceptance {
  readonly ok: true
  readonly serviceAccountId: string
}

const BASE64URL = /^[A-Za-z0-9_-]+$/
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Unpadded base64url only: a length of 4n + 1 cannot come from any byte string. */
export function isBase64url(segment: string): boolean {
  return BASE64URL.test(segment) && segment.length % 4 !== 1
}

function reject(status: 400 | 401, description: string): JwtRejection {
  return { ok: false, status, description }
}

/** Decodes one base64url segment strictly: no padding, no `+/`, no stray characters, valid UTF-8 JSON object. */
export function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

/** RFC 7519 §2 NumericDate; Nebius clients send integer seconds, and anything else is refused here. */
export function isIntegerDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/**
 * Verifies a subject JWT the way the Nebius token service does: RS256 only, a registered `kid`, a valid
 * signature, `iss` = `sub` = the key's owner, the exact audience, and a short, current validity window.
 */
export function verifySubjectToken(state: EmulatorState, token: string): JwtRejection | JwtAcceptance {
  const segments = token.split('.')
  const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = segments
  // The signature may be empty here (`alg: none`), so that such a token is refused for its alg below.
  if (
    segments.length !== 3 ||
    !isBase64url(encodedHeader) ||
    !isBase64url(encodedPayload) ||
    (encodedSignature !== '' && !isBase64url(encodedSignature))
  ) {
    return reject(400, 'subject_token is not a compact JWS (three base64url segments)')
  }
  const header = decodeJsonSegment(encodedHeader)
  if (header === undefined) return reject(400, 'subject_token header is not a JSON object')
  const claims = decodeJsonSegment(encodedPayload)
  if (claims === undefined) return reject(400, 'subject_token payload is not a JSON object')

  // RFC 8725 §3.1: never let the token pick its algorithm; this also refuses `none` and HS256 signed
  // with the public key as the HMAC secret.
  if (header.alg !== 'RS256') return reject(400, 'subject_token alg must be RS256')
  if (header.typ !== undefined && (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT')) {
    return reject(400, 'subject_token typ must be JWT')
  }
  // RFC 7515 §4.1.11: extensions we do not understand must be refused.
  if (header.crit !== undefined) return reject(400, 'subject_token uses unsupported crit header parameters')
  if (!isNonEmptyString(header.kid)) return reject(400, 'subject_token header is missing kid')

  const key = state.keys.get(header.kid)
  if (key === undefined) return reject(401, 'subject_token kid is not a registered public key')
  const signature = Buffer.from(encodedSignature, 'base64url')
  const signedPart = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii')
  if (!verify('sha256', signedPart, key.publicKey, signature)) {
    return reject(401, 'subject_token signature is invalid')
  }

  for (const name of ['iss', 'sub'] as const) {
    if (!isNonEmptyString(claims[name])) return reject(400, `subject_token is missing the ${name} claim`)
  }
  if (claims.aud === undefined) return reject(400, 'subject_token is missing the aud claim')
  for (const name of ['iat', 'exp'] as const) {
    if (claims[name] === undefined) return reject(400, `subject_token is missing the ${name} claim`)
    if (!isIntegerDate(claims[name])) return reject(400, `subject_token ${name} must be integer seconds`)
  }
  const { iss, sub, aud, iat, exp, nbf } = claims as {
    iss: string
    sub: string
    aud: unknown
    iat: number
    exp: number
    nbf?: unknown
  }

  if (iss !== sub) return reject(400, 'subject_token iss must equal sub')
  if (sub !== key.serviceAccountId) return reject(401, 'subject_token sub does not own the key kid')
  // Nebius documents aud as a string; an array, even one holding the audience, is refused so that no
  // client passes here and fails against the real service.
  if (aud !== TOKEN_SERVICE_AUDIENCE)
    return reject(400, `subject_token aud must be the string ${TOKEN_SERVICE_AUDIENCE}`)

  const now = Math.floor(state.now() / 1000)
  if (exp <= now) return reject(400, 'subject_token is expired')
  if (iat > now + CLOCK_SKEW) return reject(400, 'subject_token iat is in the future')
  if (exp <= iat) return reject(400, 'subject_token exp must be after iat')
  if (exp - iat > MAXIMUM_LIFETIME) return reject(400, 'subject_token lifetime (exp - iat) exceeds one hour')
  if (nbf !== undefined && (!isIntegerDate(nbf) || nbf > now + CLOCK_SKEW)) {
    return reject(400, 'subject_token is not valid yet (nbf)')
  }
  return { ok: true, serviceAccountId: sub }
}
