import type { IncomingMessage, ServerResponse } from 'node:http'

/** Reads a request body up to `limit` bytes; `undefined` when it is larger (the rest is drained, not kept). */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        // Keep draining rather than answering early: a client still writing its body would otherwise see
        // EPIPE/ECONNRESET instead of our 413.
        tooLarge = true
        chunks.length = 0
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => {
      resolve(tooLarge ? undefined : Buffer.concat(chunks))
    })
    request.on('error', reject)
  })
}

/** Sends a JSON body with `Cache-Control: no-store` (RFC 6749 §5.1 asks it of token responses). */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  })
  response.end(text)
}

/** RFC 6749 §5.2 error codes this emulator uses. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_token'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'not_found'
  | 'method_not_allowed'

/** Sends an RFC 6749 §5.2 error: `{ error, error_description }`. */
export function sendOAuthError(
  response: ServerResponse,
  status: number,
  error: OAuthErrorCode,
  description: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { error, error_description: description }, headers)
}

/** The `Authorization` header(s) as received; duplicates joined so that tests notice them. */
export function authorizationHeaders(request: IncomingMessage): string[] {
  const values: string[] = []
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]
    const value = request.rawHeaders[index + 1]
    if (name?.toLowerCase() === 'authorization' && value !== undefined) values.push(value)
  }
  return values
}
