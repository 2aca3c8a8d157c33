import { createServer, request as httpRequest, type ClientRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { bearer } from './adapter-support.js'
import { isOurAuthorization, redactClientRequest, redactedBearer, redactHeaders } from './redaction.js'

const token = 'v1.CiQxZjY3YWJj.c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0'
const signature = 'c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0'

describe('redactedBearer', () => {
  it('keeps the scheme and the non-secret parts of the token, ending with **', () => {
    expect(redactedBearer(token)).toBe('Bearer v1.CiQxZjY3YWJj.**')
  })

  it('answers for each token, not only the last one asked about', () => {
    expect(redactedBearer('opaque-token-with-a-long-secret-value')).toBe('Bearer opaque-token-wi**')
    expect(redactedBearer(token)).toBe('Bearer v1.CiQxZjY3YWJj.**')
  })
})

describe('redactHeaders', () => {
  it('replaces our header in any casing of its name', () => {
    const headers: Record<string, unknown> = { Authorization: `Bearer ${token}`, accept: 'application/json' }
    redactHeaders(headers, token)
    expect(headers).toEqual({ Authorization: 'Bearer v1.CiQxZjY3YWJj.**', accept: 'application/json' })
  })

  it('leaves an Authorization that is not ours alone', () => {
    const headers = { authorization: 'Bearer the-callers-own' }
    redactHeaders(headers, token)
    expect(headers.authorization).toBe('Bearer the-callers-own')
  })

  it('ignores values that are not header objects', () => {
    expect(() => {
      redactHeaders(undefined, token)
      redactHeaders('Authorization', token)
    }).not.toThrow()
  })
})

describe('redactClientRequest', () => {
  const server = createServer((request, response) => {
    request.resume()
    response.end('ok')
  })
  let url = ''

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const send = (authorization: string): Promise<ClientRequest> =>
    new Promise((resolve, reject) => {
      const request = httpRequest(url, { headers: { Authorization: authorization } }, (response) => {
        response.resume()
        response.on('end', () => {
          resolve(request)
        })
      })
      request.on('error', reject)
      request.end()
    })

  it('removes the token from a sent request, its serialized header and getHeader()', async () => {
    const request = await send(`Bearer ${token}`)
    redactClientRequest(request, token)
    expect(inspect(request, { depth: 10 })).not.toContain(signature)
    expect(request.getHeader('authorization')).toBe('Bearer v1.CiQxZjY3YWJj.**')
  })

  it('leaves a request carrying another Authorization as it was', async () => {
    const request = await send('Bearer the-callers-own')
    redactClientRequest(request, token)
    expect(request.getHeader('authorization')).toBe('Bearer the-callers-own')
    expect(inspect(request)).toContain('the-callers-own')
  })

  it('ignores values that are not requests', () => {
    expect(() => {
      redactClientRequest(undefined, token)
      redactClientRequest({ _header: 42 }, token)
    }).not.toThrow()
  })
})

describe('isOurAuthorization', () => {
  it('knows the value it wrote for a token, live or redacted', () => {
    expect(isOurAuthorization(bearer(token), token)).toBe(true)
    expect(isOurAuthorization(redactedBearer(token), token)).toBe(true)
  })

  it("takes anything else for the caller's own: another token's value, other schemes, no token", () => {
    expect(isOurAuthorization(bearer('v1.other.token'), token)).toBe(false)
    expect(isOurAuthorization(`Basic ${token}`, token)).toBe(false)
    expect(isOurAuthorization(bearer(token), undefined)).toBe(false)
    expect(isOurAuthorization(undefined, token)).toBe(false)
    expect(isOurAuthorization([bearer(token)], token)).toBe(false)
  })
})
