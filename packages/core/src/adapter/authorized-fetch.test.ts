import { describe, expect, it } from 'vitest'

import { createRequestAuthorizer } from './adapter-support.js'
import { authorizeFetch } from './authorized-fetch.js'
import { cachedProvider } from '../cache/token-cache.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'

const origin = 'https://api.example.com'

/** A fetch that records what it was handed and answers `statuses` in order, then 200. */
function recordingFetch(statuses: number[] = []): typeof fetch & {
  calls: { input: unknown; authorization: string | null }[]
} {
  const calls: { input: unknown; authorization: string | null }[] = []
  const fake = (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    calls.push({ input, authorization: new Request(input, init).headers.get('authorization') })
    return Promise.resolve(new Response('ok', { status: statuses[calls.length - 1] ?? 200 }))
  }
  return Object.assign(fake, { calls })
}

/** A provider whose `peek` offers its token once warm, counting getToken calls. */
function peekingProvider(): TokenProvider & { calls: GetTokenOptions[] } {
  let issued = 1
  const calls: GetTokenOptions[] = []
  const current = (): AccessToken => ({ token: `token-${issued}`, expiresAt: Date.now() + 60_000 })
  return {
    calls,
    peek: current,
    getToken(options) {
      calls.push(options ?? {})
      if (options?.rejected === `token-${issued}`) issued += 1
      return Promise.resolve(current())
    },
  }
}

describe('authorizeFetch', () => {
  it('calls fetch before returning when the token is fresh: no await, no getToken', async () => {
    const provider = peekingProvider()
    const inner = recordingFetch()
    const wrapped = authorizeFetch(
      inner,
      createRequestAuthorizer({ provider, origins: [origin] }, { client: 'test' }),
    )
    const pending = wrapped(`${origin}/v1`)
    expect(inner.calls).toHaveLength(1)
    expect((await pending).status).toBe(200)
    expect(inner.calls[0]?.authorization).toBe('Bearer token-1')
    expect(provider.calls).toEqual([])
  })

  it('calls the wrapped fetch as a plain function, as workerd requires of its fetch', async () => {
    // workerd's fetch throws "Illegal invocation" when called with any `this` but the global object.
    const seen: unknown[] = []
    const strictFetch = function (this: unknown): Promise<Response> {
      seen.push(this)
      if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation')
      return Promise.resolve(new Response('ok'))
    } as unknown as typeof fetch
    const provider = peekingProvider()
    const wrapped = authorizeFetch(
      strictFetch,
      createRequestAuthorizer({ provider, origins: [origin] }, { client: 'test' }),
    )
    expect((await wrapped(`${origin}/v1`)).status).toBe(200)
    expect(seen).toEqual([undefined])
  })

  it('waits for getToken when the provider has nothing fresh to offer', async () => {
    const provider = cachedProvider(async () => ({ token: 'v1.cold', expiresAt: Date.now() + 60_000 }))
    const inner = recordingFetch()
    const wrapped = authorizeFetch(
      inner,
      createRequestAuthorizer({ provider, origins: [origin] }, { client: 'test' }),
    )
    const pending = wrapped(`${origin}/v1`)
    expect(inner.calls).toHaveLength(0)
    await pending
    expect(inner.calls.map((call) => call.authorization)).toEqual(['Bearer v1.cold'])
    provider.close()
  })

  it("never sets the token on the caller's Request, also across the one retry", async () => {
    const provider = peekingProvider()
    const inner = recordingFetch([401])
    const wrapped = authorizeFetch(
      inner,
      createRequestAuthorizer({ provider, origins: [origin] }, { client: 'test' }),
    )
    const request = new Request(`${origin}/v1`, { headers: { accept: 'text/plain' } })
    expect((await wrapped(request)).status).toBe(200)
    expect(inner.calls.map((call) => call.authorization)).toEqual(['Bearer token-1', 'Bearer token-2'])
    expect(request.headers.get('authorization')).toBeNull()
    expect(request.headers.get('accept')).toBe('text/plain')
  })

  it('rejects, never throws, when the request cannot even be built', async () => {
    const provider = peekingProvider()
    const wrapped = authorizeFetch(
      recordingFetch(),
      createRequestAuthorizer({ provider, origins: [origin] }, { client: 'test' }),
    )
    let pending: Promise<Response> | undefined
    expect(() => {
      pending = wrapped(`${origin}/v1`, { headers: { 'bad header': 'x' } })
    }).not.toThrow()
    await expect(pending).rejects.toThrow(TypeError)
  })
})
