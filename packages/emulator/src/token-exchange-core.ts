/**
 * The token exchange itself, apart from any transport: the HTTP handler (form fields) and the gRPC
 * `TokenExchangeService/Exchange` (protobuf fields) both hand their request here, so verification,
 * counters and issued tokens are one and the same whichever face a client uses.
 */
import { verifyFederatedActor } from './federated-verification.js'
import type { OAuthErrorCode } from './http-helpers.js'
import { verifyImpersonationActor } from './impersonation-verification.js'
import { verifySubjectToken } from './jwt-verification.js'
import { newAccessToken, type EmulatorState } from './state.js'

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
/** Nebius's subject type for a service account named by its ID, used with an actor token. */
export const SUBJECT_IDENTIFIER_TOKEN_TYPE = 'urn:nebius:params:oauth:token-type:subject_identifier'

/** The RFC 8693 §2.1 request parameters, as strings; a missing one is `''`. */
export interface ExchangeRequestFields {
  readonly grantType: string
  readonly requestedTokenType: string
  readonly subjectToken: string
  readonly subjectTokenType: string
  readonly actorToken: string
  readonly actorTokenType: string
}

/** Why an exchange is refused: an HTTP status (the gRPC face maps it to a gRPC code) and RFC 6749 §5.2 fields. */
export interface ExchangeRejection {
  readonly ok: false
  readonly status: number
  readonly error: OAuthErrorCode
  readonly description: string
}

/** An issued token, with the RFC 8693 §2.2.1 response fields. */
export interface ExchangeAcceptance {
  readonly ok: true
  readonly accessToken: string
  readonly issuedTokenType: string
  readonly tokenType: 'Bearer'
  /** Seconds. */
  readonly expiresIn: number
}

export type ExchangeOutcome = ExchangeAcceptance | ExchangeRejection

const REQUIRED: readonly (keyof ExchangeRequestFields)[] = [
  'grantType',
  'requestedTokenType',
  'subjectToken',
  'subjectTokenType',
]
/** Each field's RFC 8693 parameter name, as the HTTP form spells it. */
export const EXCHANGE_FIELD_NAMES: Readonly<Record<keyof ExchangeRequestFields, string>> = {
  grantType: 'grant_type',
  requestedTokenType: 'requested_token_type',
  subjectToken: 'subject_token',
  subjectTokenType: 'subject_token_type',
  actorToken: 'actor_token',
  actorTokenType: 'actor_token_type',
}

function refuse(status: number, error: OAuthErrorCode, description: string): ExchangeRejection {
  return { ok: false, status, error, description }
}

/** Checks the request parameters of RFC 8693 §2.1; `undefined` when they are acceptable. */
function checkFields(fields: ExchangeRequestFields): ExchangeRejection | undefined {
  for (const name of REQUIRED) {
    if (fields[name] === '')
      return refuse(400, 'invalid_request', `${EXCHANGE_FIELD_NAMES[name]} is required`)
  }
  if (fields.grantType !== TOKEN_EXCHANGE_GRANT) {
    return refuse(400, 'unsupported_grant_type', `grant_type must be ${TOKEN_EXCHANGE_GRANT}`)
  }
  // RFC 8693 §2.2.2: an unacceptable request or subject token type is invalid_request.
  if (
    fields.subjectTokenType !== JWT_TOKEN_TYPE &&
    fields.subjectTokenType !== SUBJECT_IDENTIFIER_TOKEN_TYPE
  ) {
    return refuse(
      400,
      'invalid_request',
      `subject_token_type must be ${JWT_TOKEN_TYPE} or ${SUBJECT_IDENTIFIER_TOKEN_TYPE}`,
    )
  }
  // RFC 8693 §2.1: actor_token_type is REQUIRED with actor_token and MUST NOT be sent without it.
  if ((fields.actorToken === '') !== (fields.actorTokenType === '')) {
    return refuse(400, 'invalid_request', 'actor_token and actor_token_type go together')
  }
  if (fields.requestedTokenType !== ACCESS_TOKEN_TYPE) {
    return refuse(400, 'invalid_request', `requested_token_type must be ${ACCESS_TOKEN_TYPE}`)
  }
  return undefined
}

/**
 * Who the request may act for, or why it is refused: the subject JWT's own service account (a signed
 * assertion, no actor), or a service account named by ID that the actor token may act for (federated
 * credentials for an external OIDC JWT, impersonation for an access token).
 */
async function authenticate(
  state: EmulatorState,
  fields: ExchangeRequestFields,
): Promise<ExchangeRejection | { readonly ok: true; readonly serviceAccountId: string }> {
  if (fields.subjectTokenType === JWT_TOKEN_TYPE) {
    if (fields.actorToken !== '') {
      return refuse(400, 'invalid_request', 'actor_token goes with a subject_identifier subject, not a JWT')
    }
    const verdict = verifySubjectToken(state, fields.subjectToken)
    return verdict.ok ? verdict : refuse(verdict.status, 'invalid_grant', verdict.description)
  }
  if (fields.actorToken === '') {
    return refuse(400, 'invalid_request', 'a subject_identifier subject needs an actor_token')
  }
  const serviceAccountId = fields.subjectToken
  if (!state.serviceAccounts.has(serviceAccountId)) {
    return refuse(400, 'invalid_grant', 'subject_token is not a known service account')
  }
  let verdict
  if (fields.actorTokenType === JWT_TOKEN_TYPE) {
    verdict = await verifyFederatedActor(state, serviceAccountId, fields.actorToken)
  } else if (fields.actorTokenType === ACCESS_TOKEN_TYPE) {
    verdict = verifyImpersonationActor(state, serviceAccountId, fields.actorToken)
  } else {
    return refuse(
      400,
      'invalid_request',
      `actor_token_type must be ${JWT_TOKEN_TYPE} or ${ACCESS_TOKEN_TYPE}`,
    )
  }
  return verdict.ok ? verdict : refuse(verdict.status, 'invalid_grant', verdict.description)
}

/**
 * Verifies an exchange request and issues a token, counting the outcome in `state.counters`. Faults are
 * the caller's (transport's) business and have been applied before this runs. Asynchronous because
 * federated credentials may need the issuer's keys fetched.
 */
export async function exchange(
  state: EmulatorState,
  fields: ExchangeRequestFields,
): Promise<ExchangeOutcome> {
  const checked = checkFields(fields) ?? (await authenticate(state, fields))
  if (!checked.ok) {
    state.counters.rejected += 1
    return checked
  }
  return issue(state, checked.serviceAccountId)
}

function issue(state: EmulatorState, serviceAccountId: string): ExchangeAcceptance {
  const accessToken = newAccessToken()
  const expiresIn = state.tokenTtl
  state.tokens.set(accessToken, {
    serviceAccountId,
    expiresAt: state.now() + expiresIn * 1000,
    revoked: false,
  })
  state.counters.accepted += 1
  return { ok: true, accessToken, issuedTokenType: ACCESS_TOKEN_TYPE, tokenType: 'Bearer', expiresIn }
}
