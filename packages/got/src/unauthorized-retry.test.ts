import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import { staticToken } from '@nebius-auth/core'
import type { ExtendOptions } from 'got'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { got } from './client.test-support.js'
import { withNebiusAuth } from './index.js'
import { everNewTokens, startEmulatorFixture, type EmulatorFixture } from './servers.test-support.js'

let fixture: EmulatorFixture

beforeAll(async () => {
  fixture = await startEmulatorFixture()
})
afterEach(() => {
  fixture.afterTest()
})
afterAll(async () => {
  await fixture.close()
})

/** An instance whose provider already holds a token the emulator has since revoked. */
async function withRevokedToken(options: ExtendOptions = {}) {
  const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url, ...options }), {
    provider: fixture.provider(),
  })
  await api.get('v1/whoami')
  fixture.emulator.revoke()
  fixture.reset()
  return api
}

describe('a 401 from an allowed origin', () => {
  it('refreshes once and retries once with the fresh token', async () => {
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), {
      provider: fixture.provider(),
    })
    await api.get('v1/whoami')
    const [stale] = fixture.apiAuthorizations()
    fixture.emulator.revoke()

    const response = await api.get('v1/whoami')

    expect(response.statusCode).toBe(200)
    const [, refused, fresh] = fixture.apiAuthorizations()
    expect(refused).toBe(stale)
    expect(fresh).toMatch(/^Bearer /)
    expect(fresh).not.toBe(stale)
    expect(fixture.exchanges()).toBe(2)
  })

  it('retries exactly once even with retry.limit 0 and a POST, replaying the JSON body intact', async () => {
    const api = await withRevokedToken({ retry: { limit: 0 } })
    const payload = { name: 'räksmörgås', list: [1, 2, 3], nested: { ok: true } }

    const echoed = await api.post('v1/echo', { json: payload }).json()

    expect(echoed).toEqual(payload)
    expect(fixture.apiAuthorizations()).toHaveLength(2)
    expect(fixture.exchanges()).toBe(1)
  })

  it('gives the caller the second 401 as an HTTPError after exactly two requests', async () => {
    const provider = everNewTokens()
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), { provider })

    const error: unknown = await api.get('v1/whoami').catch((caught: unknown) => caught)

    expect(error).toMatchObject({ name: 'HTTPError', response: { statusCode: 401 } })
    expect(fixture.apiAuthorizations()).toEqual(['Bearer token-1', 'Bearer token-2'])
    expect(provider.calls.map((call) => call.rejected)).toEqual([undefined, 'token-1'])
  })

  it('resolves with the second 401 after exactly two requests when throwHttpErrors is false', async () => {
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url, throwHttpErrors: false }), {
      provider: everNewTokens(),
    })

    const response = await api.get('v1/whoami')

    expect(response.statusCode).toBe(401)
    expect(fixture.apiAuthorizations()).toHaveLength(2)
  })

  it('refreshes once for ten concurrent 401s', async () => {
    const api = await withRevokedToken()

    const responses = await Promise.all(Array.from({ length: 10 }, () => api.get('v1/whoami')))

    expect(responses.map((response) => response.statusCode)).toEqual(Array.from({ length: 10 }, () => 200))
    expect(fixture.exchanges()).toBe(1)
  })

  it('is not retried for a static token', async () => {
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url, throwHttpErrors: false }), {
      provider: staticToken('never-issued'),
    })

    const response = await api.get('v1/whoami')

    expect(response.statusCode).toBe(401)
    expect(fixture.apiAuthorizations()).toEqual(['Bearer never-issued'])
  })

  it('is not retried with retryOnUnauthorized: false', async () => {
    const provider = everNewTokens()
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url, throwHttpErrors: false }), {
      provider,
      retryOnUnauthorized: false,
    })

    const response = await api.get('v1/whoami')

    expect(response.statusCode).toBe(401)
    expect(fixture.apiAuthorizations()).toHaveLength(1)
    // No retry, but the provider still hears that its token was refused, so the next request gets a new one.
    expect(provider.calls).toEqual([{}, { rejected: 'token-1' }])
  })

  it('is not retried for a Readable body, so the body is never re-sent empty', async () => {
    const api = await withRevokedToken()

    const error: unknown = await api
      .post('v1/echo', { body: Readable.from([Buffer.from('streamed body')]) })
      .catch((caught: unknown) => caught)

    // got would refuse the retry itself, but with a 'Cannot retry' error instead of the 401.
    expect(error).toMatchObject({ code: 'ERR_NON_2XX_3XX_RESPONSE', response: { statusCode: 401 } })
    expect(fixture.apiAuthorizations()).toHaveLength(1)
  })

  it('is not retried for a got.stream request', async () => {
    const api = await withRevokedToken()

    const sink = new Writable({
      write: (_chunk, _encoding, done) => {
        done()
      },
    })
    const error: unknown = await pipeline(api.stream('v1/whoami'), sink).catch((caught: unknown) => caught)

    expect(error).toMatchObject({ code: 'ERR_NON_2XX_3XX_RESPONSE', response: { statusCode: 401 } })
    expect(fixture.apiAuthorizations()).toHaveLength(1)
  })

  it("runs the caller's other afterResponse hooks on the final response", async () => {
    const before: number[] = []
    const after: number[] = []
    const instance = got.extend({
      prefixUrl: fixture.emulator.url,
      hooks: { afterResponse: [(response) => (before.push(response.statusCode), response)] },
    })
    const api = withNebiusAuth(instance, { provider: fixture.provider() }).extend({
      hooks: { afterResponse: [(response) => (after.push(response.statusCode), response)] },
    })
    await api.get('v1/whoami')
    fixture.emulator.revoke()
    before.length = 0
    after.length = 0

    await api.get('v1/whoami')

    expect(before).toEqual([401, 200])
    expect(after).toEqual([200])
  })
})
