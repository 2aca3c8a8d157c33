import type { IncomingMessage, ServerResponse } from 'node:http'

import { readBody, sendJson, sendOAuthError, type OAuthErrorCode } from './http-helpers.js'
import { verifySubjectToken } from './jwt-verification.js'
import { newAccessToken, type EmulatorState } from './state.js'

/** The token exchange path, as on `https://auth.eu.nebius.com`. */
export const EXCHANGE_PATH = '/oauth2/token/exchange'

/** A token request is a handful of short fields plus a JWT of a few kilobytes; 64 KiB is generous. */
const MAXIMUM_BODY_BYTES = 64 * 1024

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'

const FORM_FIELDS = ['grant_type', 'requested_token_type', 'subject_token', 'subject_token_type'] as const

interface Rejection {
  readonly status: number
  readonly error: OAuthErrorCode
  readonly description: string
}

function isFormContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase()
  return mediaType === 'application/x-www-form-urlencoded'
}

/** Checks the form fields of RFC 8693 §2.1; returns the subject token or why the request is refused. */
function checkForm(form: URLSearchParams): Rejection | { subjectToken: string } {
  for (const name of FORM_FIELDS) {
    const values = form.getAll(name)
    // RFC 6749 §3.2: request parameters MUST NOT be included more than once.
    if (values.length > 1)
      return { status: 400, error: 'invalid_request', description: `${name} is repeated` }
    if (values.length === 0 || values[0] === '') {
      return { status: 400, error: 'invalid_request', description: `${name} is required` }
    }
  }
  if (form.get('grant_type') !== TOKEN_EXCHANGE_GRANT) {
    return {
      status: 400,
      error: 'unsupported_grant_type',
      description: `grant_type must be ${TOKEN_EXCHANGE_GRANT}`,
    }
  }
  // RFC 8693 §2.2.2: an unacceptable request or subject token type is invalid_request.
  if (form.get('subject_token_type') !== JWT_TOKEN_TYPE) {
    return {
      status: 400,
      error: 'invalid_request',
      description: `subject_token_type must be ${JWT_TOKEN_TYPE}`,
    }
  }
  if (form.get('requested_token_type') !== ACCESS_TOKEN_TYPE) {
    return {
      status: 400,
      error: 'invalid_request',
      description: `requested_token_type must be ${ACCESS_TOKEN_TYPE}`,
    }
  }
  return { subjectToken: form.get('subject_token') ?? '' }
}

/** Handles `POST /oauth2/token/exchange` (faults have already been applied by the server). */
export async function handleExchange(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const refuse = (rejection: Rejection): void => {
    state.counters.rejected += 1
    sendOAuthError(response, rejection.status, rejection.error, rejection.description)
  }
  const body = await readBody(request, MAXIMUM_BODY_BYTES)
  if (body === undefined) {
    refuse({ status: 413, error: 'invalid_request', description: 'request body is too large' })
    return
  }
  if (!isFormContentType(request.headers['content-type'])) {
    refuse({
      status: 400,
      error: 'invalid_request',
      description: 'Content-Type must be application/x-www-form-urlencoded',
    })
    return
  }
  const checked = checkForm(new URLSearchParams(body.toString('utf8')))
  if ('status' in checked) {
    refuse(checked)
    return
  }
  const verdict = verifySubjectToken(state, checked.subjectToken)
  if (!verdict.ok) {
    refuse({ status: verdict.status, error: 'invalid_grant', description: verdict.description })
    return
  }
  const accessToken = newAccessToken()
  const expiresIn = state.tokenTtl
  state.tokens.set(accessToken, {
    serviceAccountId: verdict.serviceAccountId,
    expiresAt: state.now() + expiresIn * 1000,
    revoked: false,
  })
  state.counters.accepted += 1
  // RFC 8693 §2.2.1: access_token, issued_token_type and token_type are REQUIRED; expires_in RECOMMENDED.
  sendJson(response, 200, {
    access_token: accessToken,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: expiresIn,
  })
}
