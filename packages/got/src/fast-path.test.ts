import type { AccessToken, TokenProvider } from '@nebius-auth/core'
import type { BeforeRequestHook } from 'got'
import { describe, expect, it } from 'vitest'

import { clientModule } from './client.test-support.js'
import { nebiusAuthHooks } from './nebius-auth-hooks.js'

// got's own Options class, from the got under test, so the hook sees exactly what got hands it.
type HookOptions = Parameters<BeforeRequestHook>[0]
const { Options: GotOptions } = (await import(clientModule)) as {
  Options: new (input: object) => HookOptions
}

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

function beforeRequest(tokens: TokenProvider): BeforeRequestHook {
  const hook = nebiusAuthHooks({ provider: tokens, origins: [origin] }).beforeRequest?.[0]
  if (hook === undefined) throw new Error('no beforeRequest hook')
  return hook
}

describe('nebiusAuthHooks (got): the fast path', () => {
  it('attaches a fresh token synchronously: the hook returns no promise and calls no getToken', () => {
    const tokens = provider(true)
    const options = new GotOptions({ url: `${origin}/v1/models` })
    const result = beforeRequest(tokens)(options, { retryCount: 0 })
    expect(result).toBeUndefined()
    expect(options.headers.authorization).toBe('Bearer v1.fast.path')
    expect(tokens.calls()).toBe(0)
  })

  it('returns a promise, and asks getToken, when the provider has no fresh token', async () => {
    const tokens = provider(false)
    const options = new GotOptions({ url: `${origin}/v1/models` })
    const result = beforeRequest(tokens)(options, { retryCount: 0 })
    expect(result).toBeInstanceOf(Promise)
    await result
    expect(options.headers.authorization).toBe('Bearer v1.fast.path')
    expect(tokens.calls()).toBe(1)
  })
})
