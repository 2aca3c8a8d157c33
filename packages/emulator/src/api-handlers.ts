import type { IncomingMessage, ServerResponse } from 'node:http'

import { authorizationHeaders, readBody, sendJson, sendOAuthError } from './http-helpers.js'
import { findLiveToken, type EmulatorState } from './state.js'

/** Echo bodies may be uploads under test (streams, files); 16 MiB covers those without unbounded memory. */
const MAXIMUM_ECHO_BYTES = 16 * 1024 * 1024
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
/** 307 and 308 keep the method and body (RFC 9110 §15.4.8–9), so any method may ask for them. */
const BODY_PRESERVING_STATUSES = new Set([307, 308])

/**
 * Why a Bearer credential (RFC 6750 §2.1) is refused, or the service account it authenticates. The gRPC
 * face asks the same question of its `authorization` metadata.
 */
export function checkBearer(
  state: EmulatorState,
  header: string | undefined,
): { failure: string } | { serviceAccountId: string } {
  if (header === undefined) return { failure: 'the access token is missing' }
  const token = /^Bearer +([^ ]+) *$/i.exec(header)?.[1]
  if (token === undefined) return { failure: 'the Authorization header is not a Bearer token' }
  const record = findLiveToken(state, token)
  if (record === undefined) return { failure: 'the access token is unknown, expired or revoked' }
  return { serviceAccountId: record.serviceAccountId }
}

/** Authenticates the request; answers 400/401 itself and returns undefined when that fails. */
function authenticate(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
): string | undefined {
  const headers = authorizationHeaders(request)
  if (headers.length > 1) {
    // RFC 6750 §3.1: a request with more than one credential is invalid_request (400).
    sendOAuthError(response, 400, 'invalid_request', 'more than one Authorization header')
    return undefined
  }
  const result = checkBearer(state, headers[0])
  if ('serviceAccountId' in result) return result.serviceAccountId
  state.counters.unauthorized += 1
  // error="invalid_token" even for a missing token (RFC 6750 §3.1 would omit it) so that every 401 looks
  // the same to the adapters' retry logic, as the design asks.
  sendOAuthError(response, 401, 'invalid_token', result.failure, {
    'WWW-Authenticate': `Bearer realm="nebius-auth-emulator", error="invalid_token", error_description="${result.failure}"`,
  })
  return undefined
}

function methodNotAllowed(response: ServerResponse, allow: string): void {
  sendOAuthError(response, 405, 'method_not_allowed', `use ${allow}`, { Allow: allow })
}

function handleWhoami(request: IncomingMessage, response: ServerResponse, serviceAccountId: string): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    methodNotAllowed(response, 'GET, HEAD')
    return
  }
  sendJson(response, 200, { serviceAccountId })
}

async function handleEcho(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') {
    methodNotAllowed(response, 'POST')
    return
  }
  const body = await readBody(request, MAXIMUM_ECHO_BYTES)
  if (body === undefined) {
    sendOAuthError(response, 413, 'invalid_request', 'request body is too large')
    return
  }
  const headers: Record<string, string | number> = {
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  }
  const contentType = request.headers['content-type']
  if (contentType !== undefined) headers['Content-Type'] = contentType
  response.writeHead(200, headers)
  response.end(body)
}

function handleRedirect(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): void {
  const status = Number(query.get('status') ?? '302')
  if (!REDIRECT_STATUSES.has(status)) {
    sendOAuthError(response, 400, 'invalid_request', 'status must be one of 301, 302, 303, 307, 308')
    return
  }
  const target = query.get('to')
  if (
    target === null ||
    !(target.startsWith('/') || /^https?:\/\//i.test(target)) ||
    !URL.canParse(target, 'http://x')
  ) {
    sendOAuthError(response, 400, 'invalid_request', 'to must be an absolute http(s) URL or a path')
    return
  }
  const method = request.method ?? 'GET'
  if (method !== 'GET' && method !== 'HEAD' && !BODY_PRESERVING_STATUSES.has(status)) {
    methodNotAllowed(response, 'GET, HEAD')
    return
  }
  // Drain the body so the connection can be reused for the follow-up request.
  request.resume()
  response.writeHead(status, { Location: target, 'Content-Length': 0, 'Cache-Control': 'no-store' })
  response.end()
}

/** Handles `/v1/…`: every route needs a live Bearer token. */
export async function handleApi(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  state.counters.apiRequests += 1
  const known = ['/v1/whoami', '/v1/echo', '/v1/redirect'].includes(url.pathname)
  if (!known) {
    sendOAuthError(response, 404, 'not_found', 'no such endpoint')
    return
  }
  const serviceAccountId = authenticate(state, request, response)
  if (serviceAccountId === undefined) {
    request.resume()
    return
  }
  if (url.pathname === '/v1/whoami') handleWhoami(request, response, serviceAccountId)
  else if (url.pathname === '/v1/echo') await handleEcho(request, response)
  else handleRedirect(request, response, url.searchParams)
}
