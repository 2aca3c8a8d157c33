import { inspect } from 'node:util'

import { staticToken, type AccessToken, type TokenProvider } from '@nebius-auth/core'
import type { KyInstance } from 'ky'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { clientModule, loadKy, type LoadedKy } from './client.test-support.js'
import { nebiusAuthHooks, withNebiusAuth } from './index.js'
import {
  authorizationsFor,
  countingProvider,
  hangingProvider,
  startEmulatorContext,
  startRecordingServer,
  type EmulatorContext,
  type RecordingServer,
} from '@nebius-auth/adapter-fixtures'

let client: LoadedKy
let ky: KyInstance
let context: EmulatorContext
let other: RecordingServer

beforeAll(async () => {
  client = await loadKy()
  ky = client.ky
})

beforeEach(async () => {
  context = await startEmulatorContext()
  other = await startRecordingServer()
})

afterEach(async () => {
  await context.close()
  await other.close()
})

/** An adapted instance for the emulator, with ky's own retries off unless a test turns them on. */
function emulatorClient(provider: TokenProvider = context.provider): KyInstance {
  return withNebiusAuth(ky.create({ retry: 0 }), { provider, origins: context.origins })
}

async function warmUp(api: KyInstance): Promise<string> {
  await api.get(`${context.emulator.url}/v1/whoami`)
  const token = (await context.provider.getToken()).token
  context.emulator.clearRequests()
  return token
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  )
}

/** A fetch that runs at most `limit` requests at a time, queueing the rest in order. */
function withConcurrencyLimit(fetchFunction: typeof fetch, limit: number): typeof fetch {
  let running = 0
  const waiting: (() => void)[] = []
  return async (input, init) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    running += 1
    try {
      const response = await fetchFunction(input, init)
      await response.clone().arrayBuffer()
      return response
    } finally {
      running -= 1
      waiting.shift()?.()
    }
  }
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text))
      controller.close()
    },
  })
}

describe(`withNebiusAuth on ${clientModule}`, () => {
  it('attaches the provider token to a request for an allowed origin', async () => {
    const api = emulatorClient()
    const body = await api.get(`${context.emulator.url}/v1/whoami`).json<{ serviceAccountId: string }>()
    const { token } = await context.provider.getToken()
    expect(body.serviceAccountId).toMatch(/^serviceaccount-/)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual([`Bearer ${token}`])
  })

  it('allows the instance base URL origin when no origins are given', async () => {
    const base = ky.create({ retry: 0, ...client.prefixOption(context.emulator.url) })
    const api = withNebiusAuth(base, { provider: context.provider })
    await api.get('v1/whoami')
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual([expect.stringMatching(/^Bearer /)])
  })

  it('exchanges once for 1,000 concurrent requests on a cold provider', async () => {
    // All 1,000 calls wait for the token at once (the hooks run before fetch); only the sockets are pooled,
    // because 1,000 simultaneous connects overflow the server's listen backlog and stall on SYN retransmits.
    // ky's per-attempt timeout would count the time queued here, so it is off: nothing in this test is timed.
    const api = withNebiusAuth(
      ky.create({ retry: 0, timeout: false, fetch: withConcurrencyLimit(fetch, 50) }),
      {
        provider: context.provider,
        origins: context.origins,
      },
    )
    const responses = await Promise.all(
      Array.from({ length: 1000 }, () => api.get(`${context.emulator.url}/v1/whoami`)),
    )
    expect(responses.every((response) => response.status === 200)).toBe(true)
    expect(context.emulator.stats().exchanges.accepted).toBe(1)
  }, 60_000)

  it('refreshes once and retries once when the token is revoked', async () => {
    const api = emulatorClient()
    const revoked = await warmUp(api)
    context.emulator.revoke()
    const response = await api.get(`${context.emulator.url}/v1/whoami`)
    const fresh = (await context.provider.getToken()).token
    expect(response.status).toBe(200)
    expect(fresh).not.toBe(revoked)
    expect(context.emulator.stats().exchanges.accepted).toBe(2)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual([
      `Bearer ${revoked}`,
      `Bearer ${fresh}`,
    ])
  })

  it('gives the caller the 401 after exactly two requests when every token is refused', async () => {
    const provider = countingProvider()
    const api = emulatorClient(provider)
    const error = await rejection(api.get(`${context.emulator.url}/v1/whoami`))
    expect(client.isHTTPError(error)).toBe(true)
    expect((error as { response: Response }).response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual(['Bearer token-1', 'Bearer token-2'])
    provider.close()
  })

  it('refreshes once for ten concurrent 401s', async () => {
    const api = emulatorClient()
    await warmUp(api)
    context.emulator.revoke()
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.get(`${context.emulator.url}/v1/whoami`)),
    )
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 10 }, () => 200))
    expect(context.emulator.stats().exchanges.accepted).toBe(2)
  })

  it("leaves the caller's own Authorization untouched and does not retry its 401", async () => {
    const api = emulatorClient()
    const error = await rejection(
      api.get(`${context.emulator.url}/v1/whoami`, { headers: { AUTHORIZATION: 'Bearer callers-own' } }),
    )
    expect((error as { response: Response }).response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual(['Bearer callers-own'])
    expect(context.emulator.stats().exchanges.accepted).toBe(0)
  })

  it('sends no token to an origin that is not allowed', async () => {
    const api = emulatorClient()
    await api.get(`${other.url}/elsewhere`)
    expect(other.hits).toEqual([{ path: '/elsewhere', authorization: undefined }])
    expect(context.emulator.stats().exchanges.accepted).toBe(0)
  })

  it.each([302, 307])(
    'sends no token across a %i redirect from an allowed origin to another origin',
    async (status) => {
      const api = emulatorClient()
      const target = encodeURIComponent(`${other.url}/landing`)
      const response = await api.get(`${context.emulator.url}/v1/redirect?to=${target}&status=${status}`)
      expect(response.status).toBe(200)
      expect(authorizationsFor(context.emulator, '/v1/redirect')).toEqual([expect.stringMatching(/^Bearer /)])
      // fetch's own redirect handling (undici) drops Authorization when the redirect leaves the origin.
      expect(other.hits).toEqual([{ path: '/landing', authorization: undefined }])
    },
  )

  it('does not retry a 401 from another allowed origin reached by a redirect, which never saw the token', async () => {
    const refusing = await startRecordingServer((request, response) => {
      request.resume()
      response.statusCode = 401
      response.end()
    })
    const api = withNebiusAuth(ky.create({ retry: 0 }), {
      provider: context.provider,
      origins: [context.emulator.url, refusing.url],
    })
    const target = encodeURIComponent(`${refusing.url}/landing`)
    const error = await rejection(api.get(`${context.emulator.url}/v1/redirect?to=${target}&status=302`))
    expect((error as { response: Response }).response.status).toBe(401)
    expect(refusing.hits).toEqual([{ path: '/landing', authorization: undefined }])
    expect(context.emulator.stats().exchanges.accepted).toBe(1)
    await refusing.close()
  })

  it('never attaches a token over plain http to a host off loopback, even when a predicate allows every origin', async () => {
    const seen: (string | null)[] = []
    // The instance's own fetch answers itself, so nothing leaves 127.0.0.1; it sees what would be sent.
    const answering: typeof fetch = (input, init) => {
      seen.push(new Request(input, init).headers.get('authorization'))
      return Promise.resolve(new Response('stopped before the network'))
    }
    const api = withNebiusAuth(ky.create({ retry: 0, fetch: answering }), {
      provider: staticToken('secret'),
      origins: () => true,
    })
    await api.get('http://example.invalid/v1/whoami')
    await api.get('https://example.invalid/v1/whoami')
    expect(seen).toEqual([null, 'Bearer secret'])
  })

  it.each([{ retry: 0 }, { retry: 2 }])(
    'replays a JSON POST body intact on the retry (retry: $retry)',
    async ({ retry }) => {
      const api = withNebiusAuth(ky.create({ retry }), {
        provider: context.provider,
        origins: context.origins,
      })
      await warmUp(api)
      context.emulator.revoke()
      const payload = { name: 'instance-1', labels: { team: 'ml' }, sizes: [1, 2, 3] }
      const echoed = await api.post(`${context.emulator.url}/v1/echo`, { json: payload }).json()
      expect(echoed).toEqual(payload)
      expect(authorizationsFor(context.emulator, '/v1/echo')).toHaveLength(2)
    },
  )

  it.each([{ retry: 0 }, { retry: 2 }])(
    'replays a stream body byte for byte on the retry, never empty (retry: $retry)',
    async ({ retry }) => {
      const api = withNebiusAuth(ky.create({ retry }), {
        provider: context.provider,
        origins: context.origins,
      })
      await warmUp(api)
      context.emulator.revoke()
      const response = await api.post(`${context.emulator.url}/v1/echo`, { body: streamOf('payload') })
      expect(await response.text()).toBe('payload')
      expect(authorizationsFor(context.emulator, '/v1/echo')).toHaveLength(2)
    },
  )

  it('never re-sends a stream body with retryOnUnauthorized: false, and the next request gets a fresh token', async () => {
    const api = withNebiusAuth(ky.create({ retry: 0 }), {
      provider: context.provider,
      origins: context.origins,
      retryOnUnauthorized: false,
    })
    await warmUp(api)
    context.emulator.revoke()
    const error = await rejection(api.post(`${context.emulator.url}/v1/echo`, { body: streamOf('payload') }))
    expect((error as { response: Response }).response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/echo')).toHaveLength(1)
    const response = await api.get(`${context.emulator.url}/v1/whoami`)
    expect(response.status).toBe(200)
  })

  it.each([{ honoursSignal: true }, { honoursSignal: false }])(
    'stops waiting for a token when the request is aborted (provider honours the signal: $honoursSignal)',
    async ({ honoursSignal }) => {
      const provider = hangingProvider({ honoursSignal })
      const api = emulatorClient(provider)
      const controller = new AbortController()
      const pending = rejection(api.get(`${context.emulator.url}/v1/whoami`, { signal: controller.signal }))
      await provider.called
      controller.abort()
      expect(await pending).toMatchObject({ name: 'AbortError' })
      expect(context.emulator.stats().apiRequests).toBe(0)
    },
  )

  it("still runs the instance's hooks, and its afterResponse hooks see the retried response", async () => {
    const calls: string[] = []
    const statusOf = (parameters: unknown[]): number => {
      const [first, , third] = parameters as [unknown, unknown, Response | undefined]
      return (third ?? (first as { response: Response }).response).status
    }
    const base = ky.create({
      retry: 0,
      hooks: {
        beforeRequest: [() => void calls.push('beforeRequest')],
        afterResponse: [
          (...parameters: unknown[]) => void calls.push(`afterResponse ${statusOf(parameters)}`),
        ],
      },
    })
    const api = withNebiusAuth(base, { provider: context.provider, origins: context.origins })
    await warmUp(api)
    calls.length = 0
    context.emulator.revoke()
    await api.get(`${context.emulator.url}/v1/whoami`)
    expect(calls).toEqual(['beforeRequest', 'afterResponse 200'])
  })

  it('sends the retry through the instance fetch', async () => {
    const sent: string[] = []
    const countingFetch: typeof fetch = async (input, init) => {
      sent.push(input instanceof Request ? input.url : String(input))
      return fetch(input, init)
    }
    const api = withNebiusAuth(ky.create({ retry: 0, fetch: countingFetch }), {
      provider: context.provider,
      origins: context.origins,
    })
    await warmUp(api)
    sent.length = 0
    context.emulator.revoke()
    await api.get(`${context.emulator.url}/v1/whoami`)
    expect(sent).toEqual([`${context.emulator.url}/v1/whoami`, `${context.emulator.url}/v1/whoami`])
  })

  it('passes the fetch-only options ky forwards (such as dispatcher) to the retry', async () => {
    const forwarded: unknown[] = []
    const recordingFetch: typeof fetch = async (input, init) => {
      forwarded.push((init as { fetchOnlyOption?: unknown } | undefined)?.fetchOnlyOption)
      return fetch(input, init)
    }
    // An option ky does not know and Request does not have: ky hands it to fetch, as it does undici's dispatcher.
    const base = ky.create({ retry: 0, fetch: recordingFetch, fetchOnlyOption: 'kept' } as Parameters<
      typeof ky.create
    >[0])
    const api = withNebiusAuth(base, { provider: context.provider, origins: context.origins })
    await warmUp(api)
    forwarded.length = 0
    context.emulator.revoke()
    await api.get(`${context.emulator.url}/v1/whoami`)
    expect(forwarded).toEqual(['kept', 'kept'])
  })

  it("does not retry a static token's 401", async () => {
    const api = emulatorClient(staticToken('not-a-live-token'))
    const error = await rejection(api.get(`${context.emulator.url}/v1/whoami`))
    expect((error as { response: Response }).response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual(['Bearer not-a-live-token'])
  })

  it('gives the 401 after one request with retryOnUnauthorized: false', async () => {
    const api = withNebiusAuth(ky.create({ retry: 0 }), {
      provider: context.provider,
      origins: context.origins,
      retryOnUnauthorized: false,
    })
    await warmUp(api)
    context.emulator.revoke()
    const error = await rejection(api.get(`${context.emulator.url}/v1/whoami`))
    expect((error as { response: Response }).response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toHaveLength(1)
  })

  it('sends exactly one authorization header on every request, retries included', async () => {
    const api = emulatorClient()
    await warmUp(api)
    context.emulator.revoke()
    await api.post(`${context.emulator.url}/v1/echo`, { json: { a: 1 } })
    const headers = authorizationsFor(context.emulator, '/v1/echo')
    expect(headers).toHaveLength(2)
    // The emulator joins repeated headers with ', ' (and refuses them with 400).
    expect(headers.every((header) => header !== undefined && !header.includes(','))).toBe(true)
  })

  it('shows no token when the adapted instance or the hooks are inspected', async () => {
    const api = emulatorClient()
    const hooks = nebiusAuthHooks({ provider: context.provider, origins: context.origins })
    await api.get(`${context.emulator.url}/v1/whoami`)
    await ky.get(`${context.emulator.url}/v1/whoami`, { hooks, retry: 0 })
    const { token } = await context.provider.getToken()
    const options = { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }
    expect(inspect(api, options)).not.toContain(token)
    expect(inspect(hooks, options)).not.toContain(token)
  })

  it('rejects options that are not options with a TypeError naming the option', () => {
    expect(() => withNebiusAuth(ky, { retryOnUnauthorized: 'no' as unknown as boolean })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('retryOnUnauthorized') }),
    )
    expect(() => withNebiusAuth({} as KyInstance)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('instance') }),
    )
  })
})

describe(`nebiusAuthHooks on ${clientModule}`, () => {
  it('authorizes a plain ky call and retries its 401 once', async () => {
    const hooks = nebiusAuthHooks({ provider: context.provider, origins: context.origins })
    await ky.get(`${context.emulator.url}/v1/whoami`, { hooks, retry: 0 })
    context.emulator.revoke()
    const response = await ky.get(`${context.emulator.url}/v1/whoami`, { hooks, retry: 0 })
    expect(response.status).toBe(200)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toHaveLength(3)
  })

  it.each([{ retry: 0 }, { retry: 2 }])(
    'never re-sends a stream body: the caller gets the 401 and the next request a fresh token (retry: $retry)',
    async ({ retry }) => {
      const hooks = nebiusAuthHooks({ provider: context.provider, origins: context.origins })
      await ky.get(`${context.emulator.url}/v1/whoami`, { hooks, retry })
      context.emulator.revoke()
      context.emulator.clearRequests()
      const error = await rejection(
        ky.post(`${context.emulator.url}/v1/echo`, { hooks, retry, body: streamOf('payload') }),
      )
      expect(client.isHTTPError(error)).toBe(true)
      expect((error as { response: Response }).response.status).toBe(401)
      expect(authorizationsFor(context.emulator, '/v1/echo')).toHaveLength(1)
      const response = await ky.get(`${context.emulator.url}/v1/whoami`, { hooks, retry })
      expect(response.status).toBe(200)
      expect(authorizationsFor(context.emulator, '/v1/whoami')).toHaveLength(1)
    },
  )

  it('sends nothing to a loopback server unless its origin is listed', async () => {
    const hooks = nebiusAuthHooks({ provider: context.provider })
    await rejection(ky.get(`${context.emulator.url}/v1/whoami`, { hooks, retry: 0 }))
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual([undefined])
  })
})

describe(`ky traps on ${clientModule}`, () => {
  it('attaches a current token to ky retries, which ky 2 sends without re-running beforeRequest', async () => {
    let current = 'token-a'
    const provider: TokenProvider = {
      getToken: async (): Promise<AccessToken> => ({ token: current, expiresAt: Date.now() + 60_000 }),
    }
    const flaky = await startRecordingServer((_request, response) => {
      // The first attempt fails and the token rotates meanwhile; the retry must carry the new one.
      current = 'token-b'
      response.statusCode = flaky.hits.length === 1 ? 503 : 200
      response.end()
    })
    const api = withNebiusAuth(ky.create({ retry: { limit: 1, delay: () => 0 } }), {
      provider,
      origins: [flaky.url],
    })
    await api.get(`${flaky.url}/flaky`)
    expect(flaky.hits.map((hit) => hit.authorization)).toEqual(['Bearer token-a', 'Bearer token-b'])
    await flaky.close()
  })

  it('retries a 401 with retry: 0 instead of failing with a ForceRetryError', async () => {
    const api = emulatorClient()
    await warmUp(api)
    context.emulator.revoke()
    const response = await api.get(`${context.emulator.url}/v1/whoami`)
    expect(response.status).toBe(200)
  })

  it('gives the caller an HTTPError 401, never a ForceRetryError, when the retry fails with retry: 0', async () => {
    const provider = countingProvider()
    const error = await rejection(emulatorClient(provider).get(`${context.emulator.url}/v1/whoami`))
    expect(client.isForceRetryError(error)).toBe(false)
    expect(client.isHTTPError(error)).toBe(true)
    expect((error as { response: Response }).response.status).toBe(401)
    provider.close()
  })

  it('returns the second 401 as a response with throwHttpErrors: false', async () => {
    const provider = countingProvider()
    const api = withNebiusAuth(ky.create({ retry: 0, throwHttpErrors: false }), {
      provider,
      origins: context.origins,
    })
    const response = await api.get(`${context.emulator.url}/v1/whoami`)
    expect(response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual(['Bearer token-1', 'Bearer token-2'])
    provider.close()
  })

  it('does not count the 401 retry against ky retries', async () => {
    const provider = countingProvider()
    const api = withNebiusAuth(ky.create({ retry: { limit: 2, statusCodes: [401], delay: () => 0 } }), {
      provider,
      origins: context.origins,
    })
    await rejection(api.get(`${context.emulator.url}/v1/whoami`))
    // Three ky attempts (the first and two retries), each with its own single 401 retry.
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toHaveLength(6)
    provider.close()
  })
})
