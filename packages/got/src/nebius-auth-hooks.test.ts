import { Agent } from 'node:http'
import { inspect } from 'node:util'

import { staticToken } from '@nebius-auth/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { got } from './client.test-support.js'
import { nebiusAuthHooks, withNebiusAuth } from './index.js'
import {
  hangingProvider,
  startEmulatorFixture,
  startOtherOrigin,
  type EmulatorFixture,
  type OtherOrigin,
} from './servers.test-support.js'

let fixture: EmulatorFixture
let other: OtherOrigin

beforeAll(async () => {
  fixture = await startEmulatorFixture()
  other = await startOtherOrigin()
})
afterEach(() => {
  fixture.afterTest()
  other.hits.length = 0
})
afterAll(async () => {
  await Promise.all([fixture.close(), other.close()])
})

describe('withNebiusAuth', () => {
  it('attaches the token to requests for the prefixUrl origin by default', async () => {
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), {
      provider: fixture.provider(),
    })

    const body = await api.get('v1/whoami').json<{ serviceAccountId: string }>()

    expect(body.serviceAccountId).toMatch(/^serviceaccount-/)
    expect(fixture.apiAuthorizations()).toEqual([expect.stringMatching(/^Bearer \S+$/)])
  })

  it('sends exactly one authorization header on the wire', async () => {
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), {
      provider: fixture.provider(),
    })

    await api.get('v1/whoami')

    // The emulator joins repeated headers with ', ' and answers 400 to more than one credential.
    const [authorization] = fixture.apiAuthorizations()
    expect(authorization?.split(',')).toHaveLength(1)
  })

  it('exchanges once for 1,000 concurrent requests on a cold provider', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 64 })
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url, agent: { http: agent } }), {
      provider: fixture.provider(),
    })

    const responses = await Promise.all(Array.from({ length: 1000 }, () => api.get('v1/whoami')))
    agent.destroy()

    expect(responses.every((response) => response.statusCode === 200)).toBe(true)
    expect(fixture.exchanges()).toBe(1)
    // got spends a few milliseconds of CPU per request; a thousand of them need more than the default 5 s.
  }, 60_000)

  it('sends no token to an origin that is not allowed', async () => {
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), {
      provider: fixture.provider(),
    })

    await api.get(`${other.url}/elsewhere`)

    expect(other.hits).toEqual([{ path: '/elsewhere', authorization: [] }])
  })

  it('never builds a token header for plain http to a host that is not loopback, even when origins allow everything', async () => {
    const seen: (string | undefined)[] = []
    const api = withNebiusAuth(got, { provider: staticToken('secret-token'), origins: () => true }).extend({
      hooks: {
        beforeRequest: [
          (options) => {
            seen.push(options.headers.authorization as string | undefined)
            // Stop before the network: nothing may leave 127.0.0.1.
            throw new Error('stopped before the network')
          },
        ],
      },
    })

    await expect(api.get('http://example.invalid/v1/whoami')).rejects.toThrow('stopped before the network')
    expect(seen).toEqual([undefined])
  })

  it("leaves the caller's own Authorization alone and never refreshes it", async () => {
    const provider = fixture.provider()
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), { provider })

    const response = await api.get('v1/whoami', {
      headers: { Authorization: 'Bearer callers-own' },
      throwHttpErrors: false,
    })

    expect(response.statusCode).toBe(401)
    expect(fixture.apiAuthorizations()).toEqual(['Bearer callers-own'])
    expect(fixture.exchanges()).toBe(0)
  })

  it('leaves a mixed-case Authorization that an earlier hook assigned alone, without a second header', async () => {
    // got 14 keeps `Authorization` and `authorization` as two keys when a hook assigns them directly.
    const callers = got.extend({
      prefixUrl: other.url,
      hooks: {
        beforeRequest: [
          (options) => {
            ;(options.headers as Record<string, string>).Authorization = 'Basic Y2FsbGVyOm93bg=='
          },
        ],
      },
    })
    const api = withNebiusAuth(callers, { provider: fixture.provider() })

    await api.get('anything')

    expect(other.hits).toEqual([{ path: '/anything', authorization: ['Basic Y2FsbGVyOm93bg=='] }])
    expect(fixture.exchanges()).toBe(0)
  })

  it('stops waiting for a token when the request is aborted', async () => {
    const provider = hangingProvider()
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), { provider })
    const controller = new AbortController()

    const request = api.get('v1/whoami', { signal: controller.signal })
    await provider.started
    controller.abort()

    await expect(request).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(provider.abortedReason()).toBe(controller.signal.reason)
    expect(fixture.apiAuthorizations()).toEqual([])
  })

  it('rejects invalid options when the instance is made', () => {
    expect(() => withNebiusAuth(got, { retryOnUnauthorized: 'yes' as unknown as boolean })).toThrow(TypeError)
  })

  it('shows no token when the adapted instance is inspected', async () => {
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), {
      provider: fixture.provider(),
    })
    await api.get('v1/whoami')
    const token = fixture.apiAuthorizations()[0]?.slice('Bearer '.length)

    expect(token).toBeTruthy()
    expect(inspect(api, { depth: 8 })).not.toContain(token)
    expect(inspect(api.defaults.options, { depth: 8 })).not.toContain(token)
  })
})

describe('nebiusAuthHooks', () => {
  it('authenticates an instance composed with the hooks and listed origins', async () => {
    const api = got.extend({
      prefixUrl: fixture.emulator.url,
      hooks: nebiusAuthHooks({ provider: fixture.provider(), origins: [fixture.emulator.url] }),
    })

    const response = await api.get('v1/whoami')

    expect(response.statusCode).toBe(200)
  })

  it('sends nothing to loopback without a base URL or listed origins', async () => {
    const api = got.extend({
      prefixUrl: other.url,
      hooks: nebiusAuthHooks({ provider: staticToken('secret-token') }),
    })

    await api.get('anything')

    expect(other.hits).toEqual([{ path: '/anything', authorization: [] }])
  })

  it('shows no token when the hooks are inspected', async () => {
    const hooks = nebiusAuthHooks({ provider: staticToken('secret-token'), origins: [other.url] })
    await got.extend({ prefixUrl: other.url, hooks }).get('anything')

    expect(other.hits[0]?.authorization).toEqual(['Bearer secret-token'])
    expect(inspect(hooks, { depth: 8, showHidden: true })).not.toContain('secret-token')
  })
})
