import { Agent } from 'node:http'
import { Readable } from 'node:stream'
import { inspect } from 'node:util'

import {
  serviceAccount,
  staticToken,
  type AccessToken,
  type NebiusAuthEvent,
  type TokenProvider,
} from '@nebius-auth/core'
import { startEmulator, type EmulatedServiceAccount, type Emulator } from '@nebius-auth/emulator'
import type { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { axios } from './client.test-support.js'
import { withNebiusAuth } from './index.js'
import { loopbackLookup, startRecordingServer, type RecordingServer } from './servers.test-support.js'

let emulator: Emulator
let account: EmulatedServiceAccount
let other: RecordingServer
let provider: TokenProvider & { close(): void }
let exchangesBefore: number

// One emulator and one key for the file: RSA key generation is the slow part. Each test gets a fresh
// provider (a cold cache), a clean request record and its own exchange count.
beforeAll(async () => {
  emulator = await startEmulator()
  account = emulator.createServiceAccount({ keyBits: 2048 })
})

afterAll(async () => {
  await emulator.close()
})

beforeEach(async () => {
  other = await startRecordingServer()
  emulator.clearRequests()
  exchangesBefore = emulator.stats().exchanges.accepted
  provider = serviceAccount({
    serviceAccountId: account.serviceAccountId,
    publicKeyId: account.publicKeyId,
    privateKey: account.privateKeyPem,
    endpoint: emulator.exchangeEndpoint,
  })
})

afterEach(async () => {
  provider.close()
  await other.close()
})

/** Token exchanges the emulator accepted during this test. */
function exchanges(): number {
  return emulator.stats().exchanges.accepted - exchangesBefore
}

/** An instance on the emulator, with the emulator's origin as its base URL (so allowed by default). */
function api(options: Parameters<typeof withNebiusAuth>[1] = { provider }): AxiosInstance {
  return withNebiusAuth(axios.create({ baseURL: emulator.url }), options)
}

/** Authorization headers the emulator received on its protected API, in order. */
function apiAuthorizations(path = '/v1/'): (string | undefined)[] {
  return emulator
    .requests()
    .filter((request) => request.path.startsWith(path))
    .map((request) => request.authorization)
}

/** The HTTP status of a request, whether axios resolves or rejects it. */
async function statusOf(request: Promise<AxiosResponse>): Promise<number> {
  try {
    return (await request).status
  } catch (error) {
    if (axios.isAxiosError(error) && error.response !== undefined) return error.response.status
    throw error
  }
}

/** A provider that hands out a new token the emulator has never issued on every call. */
function unknownTokens(): TokenProvider & { calls: number } {
  const counter = {
    calls: 0,
    getToken: (): Promise<AccessToken> => {
      counter.calls += 1
      return Promise.resolve({ token: `unknown-${counter.calls}`, expiresAt: Number.POSITIVE_INFINITY })
    },
  }
  return counter
}

/** Counts getToken calls on the way to `inner`. */
function counting(inner: TokenProvider): TokenProvider & { calls: number } {
  const counter = {
    calls: 0,
    getToken: (options?: Parameters<TokenProvider['getToken']>[0]) => {
      counter.calls += 1
      return inner.getToken(options)
    },
  }
  return counter
}

describe('withNebiusAuth: attaching the token', () => {
  it('attaches the token to a request for the base URL origin', async () => {
    const response = await api().get<{ serviceAccountId: string }>('/v1/whoami')
    expect(response.status).toBe(200)
    const { token } = await provider.getToken()
    expect(apiAuthorizations()).toEqual([`Bearer ${token}`])
  })

  it('exchanges once for 1,000 concurrent requests on a cold provider', async () => {
    const instance = api()
    const httpAgent = new Agent({ keepAlive: true, maxSockets: 32 })
    const responses = await Promise.all(
      Array.from({ length: 1000 }, () => instance.get('/v1/whoami', { httpAgent })),
    )
    httpAgent.destroy()
    expect(responses.every((response) => response.status === 200)).toBe(true)
    expect(exchanges()).toBe(1)
  }, 60_000)

  it('sends no token to an origin that is not allowed', async () => {
    await api().get(`${other.url}/anything`)
    expect(other.authorizations).toEqual([undefined])
  })

  it('never sends a token over plain http to a host that is not loopback, even if a predicate allows it', async () => {
    const instance = withNebiusAuth(axios.create(), { provider, origins: () => true })
    const port = new URL(emulator.url).port
    // The hostname resolves to 127.0.0.1 through the lookup: only its name says it is not loopback.
    const status = await statusOf(
      instance.get(`http://nebius-api.invalid:${port}/v1/whoami`, { lookup: loopbackLookup }),
    )
    expect(status).toBe(401)
    expect(apiAuthorizations()).toEqual([undefined])
  })

  it('follows the URL axios resolves, so an absolute URL on a base-URL instance gets no token', async () => {
    await api().request({ url: `${other.url}/absolute` })
    expect(other.authorizations).toEqual([undefined])
  })

  it('attaches the token when allowAbsoluteUrls: false keeps an absolute-looking URL on the base URL', async () => {
    await statusOf(api().get(`${other.url}/v1/whoami`, { allowAbsoluteUrls: false }))
    const { token } = await provider.getToken()
    expect(other.authorizations).toEqual([])
    expect(apiAuthorizations('/http')).toEqual([`Bearer ${token}`])
  })

  it("leaves the caller's own Authorization header alone and never refreshes it", async () => {
    const counted = counting(provider)
    const status = await statusOf(
      api({ provider: counted }).get('/v1/whoami', { headers: { authorization: 'Bearer callers-own' } }),
    )
    expect(status).toBe(401)
    expect(apiAuthorizations()).toEqual(['Bearer callers-own'])
    expect(counted.calls).toBe(0)
  })

  it("leaves an Authorization header from the instance's defaults alone, in any case", async () => {
    const instance = api()
    instance.defaults.headers.common.AUTHORIZATION = 'Bearer from-defaults'
    expect(await statusOf(instance.get('/v1/whoami'))).toBe(401)
    expect(apiAuthorizations()).toEqual(['Bearer from-defaults'])
    expect(exchanges()).toBe(0)
  })

  it('stops waiting for a token when the request is aborted', async () => {
    let started!: () => void
    const waiting = new Promise<void>((resolve) => (started = resolve))
    const hanging: TokenProvider = {
      getToken: (options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => {
            reject(options.signal?.reason as Error)
          })
          started()
        }),
    }
    const controller = new AbortController()
    const request = api({ provider: hanging }).get('/v1/whoami', { signal: controller.signal })
    await waiting
    controller.abort()
    await expect(request).rejects.toSatisfy((error) => axios.isCancel(error))
    expect(apiAuthorizations()).toEqual([])
  })

  it('stops waiting when the provider ignores the signal', async () => {
    const deaf: TokenProvider = { getToken: () => new Promise<AccessToken>(() => undefined) }
    const controller = new AbortController()
    const instance = api({ provider: deaf })
    const request = instance.get('/v1/whoami', { signal: controller.signal })
    controller.abort()
    await expect(request).rejects.toSatisfy((error) => axios.isCancel(error))
    expect(apiAuthorizations()).toEqual([])
  })

  it('installs its interceptors once when called twice on the same instance', async () => {
    const instance = api()
    const second = counting(staticToken('from-the-second-call'))
    expect(withNebiusAuth(instance, { provider: second })).toBe(instance)
    await instance.get('/v1/whoami')
    expect(second.calls).toBe(0)
    expect(exchanges()).toBe(1)
  })

  it('shows no token in util.inspect of the adapted instance after a request', async () => {
    const instance = api()
    await instance.get('/v1/whoami')
    const { token } = await provider.getToken()
    expect(inspect(instance, { depth: 20, showHidden: true })).not.toContain(token)
  })
})

describe('withNebiusAuth: 401 and the one retry', () => {
  it('refreshes once and retries once when the token was revoked', async () => {
    const instance = api()
    await instance.get('/v1/whoami')
    const { token: revoked } = await provider.getToken()
    emulator.revoke(revoked)
    const response = await instance.get('/v1/whoami')
    expect(response.status).toBe(200)
    const { token: fresh } = await provider.getToken()
    expect(fresh).not.toBe(revoked)
    expect(apiAuthorizations()).toEqual([`Bearer ${revoked}`, `Bearer ${revoked}`, `Bearer ${fresh}`])
    expect(exchanges()).toBe(2)
  })

  it('reports the retry as an unauthorized-retry event that carries no token', async () => {
    const events: NebiusAuthEvent[] = []
    const instance = api({ provider, onEvent: (event) => events.push(event) })
    await instance.get('/v1/whoami')
    emulator.revoke()
    await instance.get('/v1/whoami')
    expect(events).toEqual([{ type: 'unauthorized-retry', origin: emulator.url, client: 'axios' }])
  })

  it('gives the caller the 401 as an AxiosError after exactly two requests when every token is refused', async () => {
    const refused = unknownTokens()
    const error: unknown = await api({ provider: refused })
      .get('/v1/whoami')
      .catch((caught: unknown) => caught)
    expect(axios.isAxiosError(error) && error.response?.status).toBe(401)
    expect(apiAuthorizations()).toEqual(['Bearer unknown-1', 'Bearer unknown-2'])
  })

  it('exchanges once for ten concurrent 401s', async () => {
    const instance = api()
    await instance.get('/v1/whoami')
    emulator.revoke()
    const statuses = await Promise.all(Array.from({ length: 10 }, () => statusOf(instance.get('/v1/whoami'))))
    expect(statuses).toEqual(Array.from({ length: 10 }, () => 200))
    expect(exchanges()).toBe(2)
  })

  it("does not retry a static token's 401", async () => {
    expect(await statusOf(api({ provider: staticToken('never-issued') }).get('/v1/whoami'))).toBe(401)
    expect(apiAuthorizations()).toEqual(['Bearer never-issued'])
  })

  it('gives the 401 after one request with retryOnUnauthorized: false', async () => {
    const refused = unknownTokens()
    expect(await statusOf(api({ provider: refused, retryOnUnauthorized: false }).get('/v1/whoami'))).toBe(401)
    expect(apiAuthorizations()).toEqual(['Bearer unknown-1'])
  })

  it('still drops a revoked token with retryOnUnauthorized: false, so the next request gets a fresh one', async () => {
    const instance = api({ provider, retryOnUnauthorized: false })
    await instance.get('/v1/whoami')
    const { token: revoked } = await provider.getToken()
    emulator.revoke(revoked)
    expect(await statusOf(instance.get('/v1/whoami'))).toBe(401)
    expect(await statusOf(instance.get('/v1/whoami'))).toBe(200)
    const { token: fresh } = await provider.getToken()
    expect(apiAuthorizations()).toEqual([`Bearer ${revoked}`, `Bearer ${revoked}`, `Bearer ${fresh}`])
  })

  it('retries a 401 that a custom validateStatus accepts', async () => {
    const instance = api()
    await instance.get('/v1/whoami')
    emulator.revoke()
    const response = await instance.get('/v1/whoami', { validateStatus: () => true })
    expect(response.status).toBe(200)
    expect(apiAuthorizations()).toHaveLength(3)
  })

  it('resolves the second 401 to a validateStatus that accepts it, after two requests', async () => {
    const response = await api({ provider: unknownTokens() }).get('/v1/whoami', {
      validateStatus: () => true,
    })
    expect(response.status).toBe(401)
    expect(apiAuthorizations()).toEqual(['Bearer unknown-1', 'Bearer unknown-2'])
  })

  it('replays a JSON POST body intact on the retry', async () => {
    const instance = api()
    await instance.get('/v1/whoami')
    emulator.revoke()
    const body = { name: 'ünïcode ✓', nested: { list: [1, 2, 3] }, empty: '' }
    const response = await instance.post<typeof body>('/v1/echo', body)
    expect(response.status).toBe(200)
    expect(response.data).toEqual(body)
    expect(apiAuthorizations('/v1/echo')).toHaveLength(2)
  })

  it('returns the 401 instead of re-sending a stream body empty', async () => {
    const instance = api()
    await instance.get('/v1/whoami')
    emulator.revoke()
    const status = await statusOf(
      instance.post('/v1/echo', Readable.from([Buffer.from('stream body')]), {
        headers: { 'content-type': 'application/octet-stream' },
      }),
    )
    expect(status).toBe(401)
    expect(apiAuthorizations('/v1/echo')).toHaveLength(1)
  })

  it('gives the request after a refused stream upload a fresh token', async () => {
    const instance = api()
    await instance.get('/v1/whoami')
    emulator.revoke()
    await statusOf(instance.post('/v1/echo', Readable.from([Buffer.from('stream body')])))
    expect((await instance.get('/v1/whoami')).status).toBe(200)
    expect(apiAuthorizations('/v1/whoami')).toHaveLength(2)
  })

  it("runs the instance's other interceptors again on the retry", async () => {
    const instance = api()
    const seen: string[] = []
    instance.interceptors.request.use((config: InternalAxiosRequestConfig) => {
      seen.push(`request ${String(config.url)}`)
      return config
    })
    instance.interceptors.response.use((response) => {
      seen.push(`response ${response.status}`)
      return response
    })
    await instance.get('/v1/whoami')
    emulator.revoke()
    seen.length = 0
    await instance.get('/v1/whoami')
    expect(seen).toEqual(['request /v1/whoami', 'request /v1/whoami', 'response 200', 'response 200'])
  })

  it('sends exactly one authorization header on the retry', async () => {
    const instance = api()
    await instance.get('/v1/whoami')
    emulator.revoke()
    await instance.get('/v1/whoami', { headers: { 'X-Trace': '1' } })
    const { token } = await provider.getToken()
    // The emulator joins repeated headers with ', ', so a duplicate would show here.
    expect(apiAuthorizations().at(-1)).toBe(`Bearer ${token}`)
  })

  it('replaces its own stale token when the caller re-sends a failed config', async () => {
    const instance = api({ provider: unknownTokens() })
    const error: unknown = await instance.get('/v1/whoami').catch((caught: unknown) => caught)
    if (!axios.isAxiosError(error) || error.config === undefined) throw new Error('expected an AxiosError')
    await statusOf(instance.request(error.config))
    expect(apiAuthorizations()).toEqual([
      'Bearer unknown-1',
      'Bearer unknown-2',
      'Bearer unknown-3',
      'Bearer unknown-4',
    ])
  })
})

describe('withNebiusAuth: redirects', () => {
  it.each([301, 302, 307, 308])(
    'sends no token after a %i redirect to an origin that is not allowed',
    async (status) => {
      const target = `${other.url}/landing`
      const response = await api().get(`/v1/redirect?to=${encodeURIComponent(target)}&status=${status}`)
      expect(response.status).toBe(200)
      expect(other.authorizations).toEqual([undefined])
    },
  )

  it('strips the token on a redirect to a subdomain when only the exact host is allowed', async () => {
    const port = new URL(emulator.url).port
    const instance = withNebiusAuth(axios.create({ lookup: loopbackLookup }), {
      provider,
      origins: [`http://localhost:${port}`],
    })
    const target = `http://api.localhost:${port}/v1/whoami`
    const status = await statusOf(
      instance.get(`http://localhost:${port}/v1/redirect?to=${encodeURIComponent(target)}`),
    )
    expect(status).toBe(401)
    const { token } = await provider.getToken()
    expect(apiAuthorizations()).toEqual([`Bearer ${token}`, undefined])
  })

  it('keeps the token on a redirect within the allowed origin', async () => {
    const response = await api().get(`/v1/redirect?to=${encodeURIComponent('/v1/whoami')}&status=307`)
    expect(response.status).toBe(200)
    const { token } = await provider.getToken()
    expect(apiAuthorizations()).toEqual([`Bearer ${token}`, `Bearer ${token}`])
  })

  it("still calls the caller's own beforeRedirect on every hop", async () => {
    const hops: string[] = []
    const target = `${other.url}/landing`
    await api().get(`/v1/redirect?to=${encodeURIComponent(target)}`, {
      beforeRedirect: (options) => {
        hops.push(String(options.href))
      },
    })
    expect(hops).toEqual([target])
    expect(other.authorizations).toEqual([undefined])
  })
})
