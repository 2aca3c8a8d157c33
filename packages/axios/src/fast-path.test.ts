import type { AccessToken, GetTokenOptions, TokenProvider } from '@nebius-auth/core'
import type { AxiosAdapter, AxiosInstance } from 'axios'
import { describe, expect, it } from 'vitest'

import { axios } from './client.test-support.js'
import { withNebiusAuth } from './with-nebius-auth.js'

const origin = 'https://api.example.com'

/** A provider that counts getToken calls; `warm` decides whether peek offers its token. */
function provider(warm: boolean): TokenProvider & { calls: GetTokenOptions[] } {
  const calls: GetTokenOptions[] = []
  const token = (): AccessToken => ({ token: 'v1.fast.path', expiresAt: Date.now() + 60_000 })
  return {
    calls,
    peek: () => (warm ? token() : undefined),
    getToken: (options) => {
      calls.push(options ?? {})
      return Promise.resolve(token())
    },
  }
}

/** An instance whose adapter (axios's own extension point) records each dispatch instead of sending it. */
function recorded(tokens: TokenProvider): { api: AxiosInstance; dispatched: (string | undefined)[] } {
  const dispatched: (string | undefined)[] = []
  const adapter: AxiosAdapter = (config) => {
    dispatched.push(config.headers.get('Authorization')?.toString())
    return Promise.resolve({ data: 'ok', status: 200, statusText: 'OK', headers: {}, config, request: {} })
  }
  const api = withNebiusAuth(axios.create({ baseURL: origin, adapter }), { provider: tokens })
  return { api, dispatched }
}

describe('withNebiusAuth (axios): the fast path', () => {
  it('dispatches the request before get() returns when the token is fresh: no promise, no getToken', async () => {
    const tokens = provider(true)
    const { api, dispatched } = recorded(tokens)
    const pending = api.get('/v1/models')
    expect(dispatched).toEqual(['Bearer v1.fast.path'])
    await pending
    expect(tokens.calls).toEqual([])
  })

  it('waits for getToken when the provider has no fresh token, and dispatches after it', async () => {
    const tokens = provider(false)
    const { api, dispatched } = recorded(tokens)
    const pending = api.get('/v1/models')
    expect(dispatched).toEqual([])
    await pending
    expect(dispatched).toEqual(['Bearer v1.fast.path'])
    expect(tokens.calls).toHaveLength(1)
  })

  it("still attaches the peeked token behind the caller's own asynchronous interceptor", async () => {
    const tokens = provider(true)
    const { api, dispatched } = recorded(tokens)
    api.interceptors.request.use(async (config) => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      return config
    })
    await api.get('/v1/models')
    expect(dispatched).toEqual(['Bearer v1.fast.path'])
    expect(tokens.calls).toEqual([])
  })

  it('leaves a request to another origin alone on the fast path too', () => {
    const tokens = provider(true)
    const { api, dispatched } = recorded(tokens)
    void api.get('https://elsewhere.example.com/')
    expect(dispatched).toEqual([undefined])
  })
})
