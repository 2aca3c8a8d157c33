import { inspect } from 'node:util'

import { staticToken } from '@nebius-auth/core'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { loadFetch } from './client.test-support.js'
import {
  authorizationsFor,
  countingProvider,
  hangingProvider,
  startEmulatorContext,
  startRecordingServer,
  type EmulatorContext,
} from '@nebius-auth/adapter-fixtures'
import { withNebiusAuth } from './with-nebius-auth.js'

let fetch: typeof globalThis.fetch
let context: EmulatorContext

beforeAll(async () => {
  fetch = await loadFetch()
})
beforeEach(async () => {
  context = await startEmulatorContext()
})
afterEach(async () => {
  await context.close()
})

function nebiusFetch(options?: Parameters<typeof withNebiusAuth>[1]): typeof globalThis.fetch {
  return withNebiusAuth(fetch, { provider: context.provider, origins: context.origins, ...options })
}

/** A fetch that keeps at most `limit` requests on the wire and queues the rest. */
function withConcurrencyLimit(inner: typeof globalThis.fetch, limit: number): typeof globalThis.fetch {
  let active = 0
  const waiting: (() => void)[] = []
  return async (input, init) => {
    while (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    active += 1
    try {
      const response = await inner(input, init)
      // Read the body here, so the connection is free for the next queued request.
      return new Response(await response.arrayBuffer(), response)
    } finally {
      active -= 1
      waiting.shift()?.()
    }
  }
}

describe('withNebiusAuth (fetch) tokens and 401s', () => {
  it('attaches the bearer token to a request for an allowed origin', async () => {
    const response = await nebiusFetch()(`${context.emulator.url}/v1/whoami`)
    expect(response.status).toBe(200)
    const { token } = await context.provider.getToken()
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual([`Bearer ${token}`])
  })

  it('makes exactly one exchange for 1,000 concurrent requests on a cold provider', async () => {
    // All 1,000 calls wait for the token at once; only the sockets are pooled, because 1,000 simultaneous
    // connects overflow the server's listen backlog and stall on SYN retransmits for seconds.
    const authorized = withNebiusAuth(withConcurrencyLimit(fetch, 50), {
      provider: context.provider,
      origins: context.origins,
    })
    const responses = await Promise.all(
      Array.from({ length: 1000 }, () => authorized(`${context.emulator.url}/v1/whoami`)),
    )
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1000)
    expect(context.emulator.stats().exchanges.accepted).toBe(1)
    // A thousand real round trips take a few seconds on a busy machine; nothing here is timed.
  }, 60_000)

  it('refreshes once and retries once when the token was revoked', async () => {
    const authorized = nebiusFetch()
    await (await authorized(`${context.emulator.url}/v1/whoami`)).text()
    const { token: revoked } = await context.provider.getToken()
    context.emulator.revoke()
    const response = await authorized(`${context.emulator.url}/v1/whoami`)
    expect(response.status).toBe(200)
    const { token: fresh } = await context.provider.getToken()
    expect(fresh).not.toBe(revoked)
    // Each attempt carries exactly one header: the retry sets ours, never appends beside the old one.
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual([
      `Bearer ${revoked}`,
      `Bearer ${revoked}`,
      `Bearer ${fresh}`,
    ])
    expect(context.emulator.stats().exchanges.accepted).toBe(2)
  })

  it('gives the caller the 401 after exactly two requests when every token is refused', async () => {
    const provider = countingProvider()
    const response = await nebiusFetch({ provider })(`${context.emulator.url}/v1/whoami`)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('invalid_token')
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual(['Bearer token-1', 'Bearer token-2'])
    provider.close()
  })

  it('refreshes once for ten concurrent 401s', async () => {
    const authorized = nebiusFetch()
    await (await authorized(`${context.emulator.url}/v1/whoami`)).text()
    context.emulator.revoke()
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => authorized(`${context.emulator.url}/v1/whoami`)),
    )
    expect(responses.map((response) => response.status)).toEqual(Array<number>(10).fill(200))
    expect(context.emulator.stats().exchanges.accepted).toBe(2)
  })

  it('returns the 401 of a static token after one request', async () => {
    const response = await nebiusFetch({ provider: staticToken('refused-static-token') })(
      `${context.emulator.url}/v1/whoami`,
    )
    expect(response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual(['Bearer refused-static-token'])
  })

  it('returns the 401 after one request with retryOnUnauthorized: false', async () => {
    const provider = countingProvider()
    const authorized = nebiusFetch({ provider, retryOnUnauthorized: false })
    const response = await authorized(`${context.emulator.url}/v1/whoami`)
    expect(response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual(['Bearer token-1'])
    // No retry, but the provider drops the refused token: the next request goes out with a new one.
    expect(provider.exchanges()).toBe(2)
    provider.close()
  })
})

describe("withNebiusAuth (fetch) and the caller's own Authorization", () => {
  const mine = 'Bearer mine'
  const cases: [string, (url: string) => [string | Request, RequestInit?]][] = [
    ['an object in init.headers', (url) => [url, { headers: { authorization: mine } }]],
    ['an upper-case object key', (url) => [url, { headers: { AUTHORIZATION: mine } }]],
    ['an array of pairs', (url) => [url, { headers: [['Authorization', mine]] }]],
    ['a Headers object', (url) => [url, { headers: new Headers({ Authorization: mine }) }]],
    ['the input Request', (url) => [new Request(url, { headers: { Authorization: mine } })]],
  ]

  it.each(cases)('leaves it alone and never refreshes it when it comes as %s', async (_name, build) => {
    const provider = countingProvider()
    const response = await nebiusFetch({ provider })(...build(`${context.emulator.url}/v1/whoami`))
    expect(response.status).toBe(401)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toEqual([mine])
    expect(provider.exchanges()).toBe(0)
    provider.close()
  })

  it("attaches the token when init.headers replaces the input Request's Authorization, as fetch would", async () => {
    const input = new Request(`${context.emulator.url}/v1/whoami`, { headers: { Authorization: mine } })
    const response = await nebiusFetch()(input, { headers: { 'x-request-id': '1' } })
    expect(response.status).toBe(200)
    expect(authorizationsFor(context.emulator, '/v1/whoami')).not.toContain(mine)
  })
})

describe('withNebiusAuth (fetch) origins', () => {
  it('sends no token to an origin that is not allowed', async () => {
    const other = await startRecordingServer()
    const provider = countingProvider()
    const response = await nebiusFetch({ provider })(`${other.url}/anything`)
    expect(response.status).toBe(200)
    expect(other.hits).toEqual([{ path: '/anything', authorization: undefined }])
    expect(provider.exchanges()).toBe(0)
    provider.close()
    await other.close()
  })

  it('never attaches a token over plain http to a non-loopback host, even when a predicate allows every origin', async () => {
    // The wrapped fetch answers itself: it records what would go on the wire and sends nothing anywhere.
    const sent: (string | null)[] = []
    const recordingFetch: typeof globalThis.fetch = async (input, init) => {
      sent.push(new Request(input, init).headers.get('authorization'))
      return new Response('ok')
    }
    const provider = countingProvider()
    const authorized = withNebiusAuth(recordingFetch, { provider, origins: () => true })
    await authorized('http://example.invalid/v1/whoami')
    expect(sent).toEqual([null])
    expect(provider.exchanges()).toBe(0)
    provider.close()
  })

  it("still runs the wrapped fetch's own logic, and works inside another wrapper", async () => {
    const calls: string[] = []
    const tracingFetch: typeof globalThis.fetch = (input, init) => {
      calls.push('inner')
      const request = new Request(input, init)
      request.headers.set('x-trace', 'inner')
      return fetch(request)
    }
    const authorized = withNebiusAuth(tracingFetch, { provider: context.provider, origins: context.origins })
    const outer: typeof globalThis.fetch = (input, init) => {
      calls.push('outer')
      return authorized(input, init)
    }
    const response = await outer(`${context.emulator.url}/v1/whoami`)
    expect(response.status).toBe(200)
    expect(calls).toEqual(['outer', 'inner'])
    expect(authorizationsFor(context.emulator, '/v1/whoami')).toHaveLength(1)
    expect(authorizationsFor(context.emulator, '/v1/whoami')[0]).toMatch(/^Bearer \S+$/)
  })
})

describe('withNebiusAuth (fetch) abort', () => {
  it.each([true, false])(
    "rejects with the signal's reason while waiting for a token (provider honours the signal: %s)",
    async (honoursSignal) => {
      const provider = hangingProvider({ honoursSignal })
      const controller = new AbortController()
      const pending = nebiusFetch({ provider })(`${context.emulator.url}/v1/whoami`, {
        signal: controller.signal,
      })
      await provider.called
      const reason = new Error('the caller gave up')
      controller.abort(reason)
      await expect(pending).rejects.toBe(reason)
      expect(context.emulator.stats().apiRequests).toBe(0)
    },
  )

  it("stops waiting for a token when the input Request's own signal aborts", async () => {
    const provider = hangingProvider({ honoursSignal: false })
    const controller = new AbortController()
    const input = new Request(`${context.emulator.url}/v1/whoami`, { signal: controller.signal })
    const pending = nebiusFetch({ provider })(input)
    await provider.called
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('rejects at once, without asking for a token, when the signal is already aborted', async () => {
    const provider = countingProvider()
    const reason = new Error('too late')
    const pending = nebiusFetch({ provider })(`${context.emulator.url}/v1/whoami`, {
      signal: AbortSignal.abort(reason),
    })
    await expect(pending).rejects.toBe(reason)
    expect(provider.exchanges()).toBe(0)
    provider.close()
  })
})

describe('withNebiusAuth (fetch) surface', () => {
  it('shows no token when the wrapped fetch is inspected', async () => {
    const authorized = nebiusFetch()
    await (await authorized(`${context.emulator.url}/v1/whoami`)).text()
    const { token } = await context.provider.getToken()
    expect(inspect(authorized, { showHidden: true, depth: Infinity })).not.toContain(token)
  })

  it('hands back a response that carries no token, so logging it shows none', async () => {
    const response = await nebiusFetch()(`${context.emulator.url}/v1/whoami`)
    await response.text()
    const { token } = await context.provider.getToken()
    expect(inspect(response, { showHidden: true, depth: 10 })).not.toContain(token)
  })

  it('throws a TypeError when fetch is not a function', () => {
    expect(() => withNebiusAuth(undefined as unknown as typeof globalThis.fetch)).toThrow(TypeError)
  })

  it('throws a TypeError naming an invalid option', () => {
    expect(() => withNebiusAuth(fetch, { retryOnUnauthorized: 'no' as unknown as boolean })).toThrow(
      /retryOnUnauthorized/,
    )
  })
})

describe('withNebiusAuth (fetch) fast path', () => {
  it('calls fetch before it returns once the token is fresh: nothing awaited, no getToken', async () => {
    const authorized = nebiusFetch()
    await (await authorized(`${context.emulator.url}/v1/whoami`)).text()
    const calls: string[] = []
    const asked: unknown[] = []
    const counting: typeof globalThis.fetch = (input, init) => {
      calls.push(new Request(input, init).headers.get('authorization') ?? '')
      return fetch(input, init)
    }
    const provider = context.provider
    const watched = withNebiusAuth(counting, {
      origins: context.origins,
      provider: {
        peek: () => provider.peek?.(),
        getToken: (options) => {
          asked.push(options)
          return provider.getToken(options)
        },
      },
    })
    const pending = watched(`${context.emulator.url}/v1/whoami`)
    expect(calls).toHaveLength(1)
    expect((await pending).status).toBe(200)
    expect(calls[0]).toBe(`Bearer ${(await provider.getToken()).token}`)
    expect(asked).toEqual([])
  })

  it("never puts the token on the caller's Request", async () => {
    const request = new Request(`${context.emulator.url}/v1/whoami`)
    const response = await nebiusFetch()(request)
    expect(response.status).toBe(200)
    expect(request.headers.get('authorization')).toBeNull()
  })

  it("sends the caller's init headers with the token, retry included, and never changes their Headers", async () => {
    const seen: (string | undefined)[][] = []
    const server = await startRecordingServer((request, response) => {
      request.resume()
      const { authorization, accept } = request.headers
      seen.push([request.headers['x-request-id'] as string | undefined, accept, authorization])
      response.statusCode = authorization === 'Bearer token-1' ? 401 : 200
      response.end()
    })
    const provider = countingProvider()
    const headers = new Headers({ 'x-request-id': '1' })
    headers.append('accept', 'text/plain')
    headers.append('accept', 'application/json')
    const authorized = withNebiusAuth(fetch, { provider, origins: [server.url] })
    const response = await authorized(`${server.url}/v1/whoami`, { headers })
    expect(response.status).toBe(200)
    expect(seen).toEqual([
      ['1', 'text/plain, application/json', 'Bearer token-1'],
      ['1', 'text/plain, application/json', 'Bearer token-2'],
    ])
    expect([...headers]).toEqual([
      ['accept', 'text/plain, application/json'],
      ['x-request-id', '1'],
    ])
    provider.close()
    await server.close()
  })
})
