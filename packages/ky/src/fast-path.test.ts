import type { AccessToken, TokenProvider } from '@nebius-auth/core'
import { describe, expect, it } from 'vitest'

import { loadKy } from './client.test-support.js'
import { withNebiusAuth } from './with-nebius-auth.js'

const { ky } = await loadKy()
const origin = 'https://api.example.com'

function provider(warm: boolean): TokenProvider & { calls: () => number } {
  let calls = 0
  const token = (): AccessToken => ({ token: 'v1.fast.path', expiresAt: Date.now() + 60_000 })
  return {
    calls: () => calls,
    peek: () => (warm ? token() : undefined),
    getToken: () => {
      calls += 1
      return Promise.resolve(token())
    },
  }
}

/** The instance's own fetch, answering itself and counting what ky clones of its responses. */
function answering(): { fetch: typeof fetch; sent: (string | null)[]; clones: () => number } {
  const sent: (string | null)[] = []
  let clones = 0
  const answer: typeof fetch = (input, init) => {
    sent.push(new Request(input, init).headers.get('authorization'))
    const response = new Response('ok')
    const clone = response.clone.bind(response)
    Object.defineProperty(response, 'clone', {
      value: () => {
        clones += 1
        return clone()
      },
    })
    return Promise.resolve(response)
  }
  return { fetch: answer, sent, clones: () => clones }
}

describe('withNebiusAuth (ky): the fast path', () => {
  it('attaches a fresh token without a hook: ky clones no response for us and getToken is not called', async () => {
    const tokens = provider(true)
    const server = answering()
    const api = withNebiusAuth(ky.create({ retry: 0, fetch: server.fetch }), {
      provider: tokens,
      origins: [origin],
    })
    await api.get(`${origin}/v1/models`).text()
    await api.get(`${origin}/v1/models`).text()
    expect(server.sent).toEqual(['Bearer v1.fast.path', 'Bearer v1.fast.path'])
    expect(server.clones()).toBe(0)
    expect(tokens.calls()).toBe(0)
  })

  it('waits for getToken when the provider has no fresh token', async () => {
    const tokens = provider(false)
    const server = answering()
    const api = withNebiusAuth(ky.create({ retry: 0, fetch: server.fetch }), {
      provider: tokens,
      origins: [origin],
    })
    await api.get(`${origin}/v1/models`).text()
    expect(server.sent).toEqual(['Bearer v1.fast.path'])
    expect(tokens.calls()).toBe(1)
  })
})
