import type { IncomingMessage, ServerResponse } from 'node:http'

import { readBody, sendJson, sendOAuthError, type OAuthErrorCode } from './http-helpers.js'
import type { EmulatorState } from './state.js'
import { EXCHANGE_FIELD_NAMES, exchange, type ExchangeRequestFields } from './token-exchange-core.js'

/** The token exchange path, as on `https://auth.eu.nebius.com`. */
export const EXCHANGE_PATH = '/oauth2/token/exchange'

/** A token request is a handful of short fields plus a JWT of a few kilobytes; 64 KiB is generous. */
const MAXIMUM_BODY_BYTES = 64 * 1024

interface Rejection {
  readonly status: number
  readonly error: OAuthErrorCode
  readonly description: string
}

function isFormContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase()
  return mediaType === 'application/x-www-form-urlencoded'
}

/** Reads the RFC 8693 §2.1 parameters from a form; a repeated one is refused, a missing one is `''`. */
function readForm(form: URLSearchParams): Rejection | ExchangeRequestFields {
  const fields: Partial<Record<keyof ExchangeRequestFields, string>> = {}
  for (const [key, name] of Object.entries(EXCHANGE_FIELD_NAMES) as [keyof ExchangeRequestFields, string][]) {
    const values = form.getAll(name)
    // RFC 6749 §3.2: request parameters MUST NOT be included more than once.
    if (values.length > 1)
      return { status: 400, error: 'invalid_request', description: `${name} is repeated` }
    fields[key] = values[0] ?? ''
  }
  return fields as ExchangeRequestFields
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
  const fields = readForm(new URLSearchParams(body.toString('utf8')))
  if ('status' in fields) {
    refuse(fields)
    return
  }
  const outcome = await exchange(state, fields)
  if (!outcome.ok) {
    sendOAuthError(response, outcome.status, outcome.error, outcome.description)
    return
  }
  // RFC 8693 §2.2.1: access_token, issued_token_type and token_type are REQUIRED; expires_in RECOMMENDED.
  sendJson(response, 200, {
    access_token: outcome.accessToken,
    issued_token_type: outcome.issuedTokenType,
    token_type: outcome.tokenType,
    expires_in: outcome.expiresIn,
  })
}
