import { request as httpRequest } from 'node:http'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { exchange } from './jwt.test-support.js'
import { startEmulator } from './server.js'
import type { EmulatedServiceAccount, Emulator } from './types.js'

let emulator: Emulator
let account: EmulatedServiceAccount
let token: string

beforeAll(async () => {
  emulator = await startEmulator()
  account = emulator.createServiceAccount({ keyBits: 2048 })
  token = await exchange(emulator.exchangeEndpoint, account)
})
afterAll(() => emulator.close())

const bearer = (value: string): Record<string, string> => ({ Authorization: `Bearer ${value}` })

async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/)
  expect(((await response.json()) as { error: string }).error).toBe('invalid_token')
}

describe('GET /v1/whoami', () => {
  it("returns the caller's service account ID", async () => {
    const response = await fetch(`${emulator.url}/v1/whoami`, { headers: bearer(token) })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ serviceAccountId: account.serviceAccountId })
  })

  it('accepts the bearer scheme in any case', async () => {
    const response = await fetch(`${emulator.url}/v1/whoami`, {
      headers: { Authorization: `bearer ${token}` },
    })
    expect(response.status).toBe(200)
  })

  it('answers 401 invalid_token to a missing token', async () => {
    await expectUnauthorized(await fetch(`${emulator.url}/v1/whoami`))
  })

  it('answers 401 invalid_token to an unknown token', async () => {
    await expectUnauthorized(
      await fetch(`${emulator.url}/v1/whoami`, { headers: bearer('v1.unknown.token') }),
    )
  })

  it('answers 401 invalid_token to a non-Bearer scheme', async () => {
    const response = await fetch(`${emulator.url}/v1/whoami`, {
      headers: { Authorization: `Basic ${token}` },
    })
    await expectUnauthorized(response)
  })

  it('answers 401 invalid_token to a revoked token', async () => {
    const revoked = await exchange(emulator.exchangeEndpoint, account)
    expect(emulator.revoke(revoked)).toBe(1)
    await expectUnauthorized(await fetch(`${emulator.url}/v1/whoami`, { headers: bearer(revoked) }))
    expect((await fetch(`${emulator.url}/v1/whoami`, { headers: bearer(token) })).status).toBe(200)
  })

  it('answers 401 invalid_token to an expired token', async () => {
    let clock = Date.now()
    const local = await startEmulator({ tokenTtl: 60, now: () => clock })
    try {
      // Reuse this file's key pair: generating another one would cost more than the whole test.
      const localAccount = {
        ...account,
        ...local.registerKey(account.publicKeyPem, account.serviceAccountId),
      }
      const localToken = await exchange(local.exchangeEndpoint, localAccount)
      expect((await fetch(`${local.url}/v1/whoami`, { headers: bearer(localToken) })).status).toBe(200)
      clock += 60_000
      await expectUnauthorized(await fetch(`${local.url}/v1/whoami`, { headers: bearer(localToken) }))
    } finally {
      await local.close()
    }
  })

  it('answers 400 invalid_request to two Authorization headers', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(`${emulator.url}/v1/whoami`, {
        headers: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] },
      })
      request.on('response', (response) => {
        response.resume()
        resolve(response.statusCode)
      })
      request.on('error', reject)
      request.end()
    })
    expect(status).toBe(400)
    expect(emulator.requests().at(-1)?.authorization).toBe(`Bearer ${token}, Bearer ${token}`)
  })
})

describe('POST /v1/echo', () => {
  it('returns the body byte for byte with its content type', async () => {
    const bytes = new Uint8Array([0, 1, 2, 0xfe, 0xff, 0x0a, 0x0d])
    const response = await fetch(`${emulator.url}/v1/echo`, {
      method: 'POST',
      headers: { ...bearer(token), 'Content-Type': 'application/octet-stream' },
      body: bytes,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes)
  })

  it('returns a streamed body in full', async () => {
    const chunks = ['{"a":', '1}']
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift()
        if (chunk === undefined) controller.close()
        else controller.enqueue(new TextEncoder().encode(chunk))
      },
    })
    const response = await fetch(`${emulator.url}/v1/echo`, {
      method: 'POST',
      headers: { ...bearer(token), 'Content-Type': 'application/json; charset=utf-8' },
      body: stream,
      duplex: 'half',
    })
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await response.text()).toBe('{"a":1}')
  })

  it('answers 401 without a token and 405 to GET', async () => {
    await expectUnauthorized(await fetch(`${emulator.url}/v1/echo`, { method: 'POST', body: 'x' }))
    const get = await fetch(`${emulator.url}/v1/echo`, { headers: bearer(token) })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
  })
})

describe('/v1/redirect', () => {
  const redirect = (query: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${emulator.url}/v1/redirect?${query}`, { redirect: 'manual', headers: bearer(token), ...init })

  it.each([301, 302, 307, 308])('redirects a GET with %i to the target', async (status) => {
    const response = await redirect(`to=${encodeURIComponent('https://example.com/x')}&status=${status}`)
    expect(response.status).toBe(status)
    expect(response.headers.get('location')).toBe('https://example.com/x')
  })

  it('defaults to 302', async () => {
    expect((await redirect('to=/v1/whoami')).status).toBe(302)
  })

  it('redirects a POST with 307 and 308 so that the body is sent again', async () => {
    const init = {
      method: 'POST',
      body: 'payload',
      headers: { ...bearer(token), 'Content-Type': 'text/plain' },
    }
    expect((await redirect('to=/v1/echo&status=307', init)).status).toBe(307)
    const followed = await fetch(`${emulator.url}/v1/redirect?to=/v1/echo&status=308`, {
      ...init,
      redirect: 'follow',
    })
    expect(followed.status).toBe(200)
    expect(await followed.text()).toBe('payload')
  })

  it('answers 405 to a POST asking for 301 or 302', async () => {
    expect((await redirect('to=/v1/echo&status=302', { method: 'POST', body: 'x' })).status).toBe(405)
  })

  it('answers 400 to a bad target or status', async () => {
    expect((await redirect('to=javascript:alert(1)')).status).toBe(400)
    expect((await redirect('status=302')).status).toBe(400)
    expect((await redirect('to=/x&status=200')).status).toBe(400)
  })

  it('answers 401 without a token', async () => {
    await expectUnauthorized(await fetch(`${emulator.url}/v1/redirect?to=/x`, { redirect: 'manual' }))
  })
})

describe('routing and accounting', () => {
  it('answers 404 to unknown paths', async () => {
    expect((await fetch(`${emulator.url}/v1/nothing`, { headers: bearer(token) })).status).toBe(404)
    expect((await fetch(`${emulator.url}/`)).status).toBe(404)
  })

  it('records every request with its Authorization header, and clears the record', async () => {
    emulator.clearRequests()
    await fetch(`${emulator.url}/v1/whoami?x=1`, { headers: bearer(token) })
    await fetch(`${emulator.url}/v1/whoami`)
    const recorded = emulator.requests()
    expect(recorded).toEqual([
      { method: 'GET', path: '/v1/whoami?x=1', authorization: `Bearer ${token}`, time: expect.any(Number) },
      { method: 'GET', path: '/v1/whoami', authorization: undefined, time: expect.any(Number) },
    ])
    recorded.length = 0
    expect(emulator.requests()).toHaveLength(2)
    emulator.clearRequests()
    expect(emulator.requests()).toEqual([])
  })

  it('counts API requests and 401s', async () => {
    const before = emulator.stats()
    await fetch(`${emulator.url}/v1/whoami`, { headers: bearer(token) })
    await fetch(`${emulator.url}/v1/whoami`)
    const after = emulator.stats()
    expect(after.apiRequests - before.apiRequests).toBe(2)
    expect(after.unauthorized - before.unauthorized).toBe(1)
  })
})
