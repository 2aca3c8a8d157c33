import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { bearer, createRequestAuthorizer } from './adapter-support.js'
import { defaultProvider } from '../node-only/default-provider.js'
import type { NebiusAuthEvent } from '../common/events.js'
import { cachedProvider } from '../cache/token-cache.js'
import { NebiusAuthError } from '../common/errors.js'
import { honours } from '../common/abortable.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'

/** A provider that hands out token-1, token-2, … and refreshes only when told the current one was rejected. */
function countingProvider(): TokenProvider & { calls: GetTokenOptions[]; issued: number } {
  let current = 'token-1'
  const state = {
    calls: [] as GetTokenOptions[],
    issued: 1,
    getToken(options?: GetTokenOptions): Promise<AccessToken> {
      state.calls.push(options ?? {})
      if (options?.rejected === current) {
        state.issued += 1
        current = `token-${state.issued}`
      }
      return Promise.resolve({ token: current, expiresAt: Date.now() + 60_000 })
    },
  }
  return state
}

const staticProvider: TokenProvider = {
  getToken: () => Promise.resolve({ token: 'fixed', expiresAt: Infinity }),
}
const allowedUrl = 'https://api.example.com/v1'

describe('createRequestAuthorizer', () => {
  it('gives a token to allowed origins only', async () => {
    const authorizer = createRequestAuthorizer(
      { provider: countingProvider(), origins: ['https://api.example.com'] },
      { client: 'test' },
    )
    expect(await authorizer.tokenFor(allowedUrl)).toBe('token-1')
    expect(await authorizer.tokenFor('https://other.example.com/')).toBeUndefined()
    expect(await authorizer.tokenFor('not a url')).toBeUndefined()
  })

  it('does not ask the provider for a token when the origin is refused', async () => {
    const provider = countingProvider()
    const authorizer = createRequestAuthorizer({ provider, origins: [] }, { client: 'test' })
    await authorizer.tokenFor(allowedUrl)
    expect(provider.calls).toHaveLength(0)
  })

  it('reports an origin that gets no token once, through origin-not-allowed', async () => {
    const events: NebiusAuthEvent[] = []
    const authorizer = createRequestAuthorizer(
      {
        provider: countingProvider(),
        origins: ['https://api.example.com'],
        onEvent: (event) => events.push(event),
      },
      { client: 'test' },
    )
    await authorizer.tokenFor('http://localhost:8080/v1?secret=query')
    await authorizer.tokenFor('http://localhost:8080/v2')
    authorizer.allows('https://other.example.com/path')
    await authorizer.tokenFor(allowedUrl)
    await authorizer.tokenFor('not a url')
    expect(events).toEqual([
      { type: 'origin-not-allowed', origin: 'http://localhost:8080', client: 'test' },
      { type: 'origin-not-allowed', origin: 'https://other.example.com', client: 'test' },
    ])
  })

  it('shares one default provider between adapters built without one', () => {
    const first = createRequestAuthorizer({}, { client: 'axios' })
    const second = createRequestAuthorizer(undefined, { client: 'got' })
    expect(second.provider).toBe(first.provider)
    expect(first.provider).toBe(defaultProvider())
  })

  it('gives another environment its own default provider, and a new one after close', () => {
    const before = defaultProvider()
    const previous = process.env.NEBIUS_PROFILE
    process.env.NEBIUS_PROFILE = 'another-profile-for-this-test'
    try {
      expect(defaultProvider()).not.toBe(before)
      expect(defaultProvider()).toBe(defaultProvider())
    } finally {
      if (previous === undefined) delete process.env.NEBIUS_PROFILE
      else process.env.NEBIUS_PROFILE = previous
    }
    before.close()
    expect(defaultProvider()).not.toBe(before)
  })

  it('gives up the retry, not the response, when the refresh fails, and never throws for it', async () => {
    const failing: TokenProvider = { getToken: () => Promise.reject(new Error('exchange down')) }
    const authorizer = createRequestAuthorizer(
      { provider: failing, origins: ['https://api.example.com'] },
      { client: 'test' },
    )
    expect(
      await authorizer.afterRefusal({ url: allowedUrl, sentToken: 'token-1', replayable: true }),
    ).toBeUndefined()
    await expect(
      authorizer.afterRefusal({ url: allowedUrl, sentToken: 'token-1', replayable: false }),
    ).resolves.toBeUndefined()
  })

  it('validates its options with TypeErrors naming the option', () => {
    expect(() => createRequestAuthorizer({ provider: {} as TokenProvider }, { client: 'test' })).toThrow(
      /provider/,
    )
    expect(() =>
      createRequestAuthorizer(
        { provider: staticProvider, retryOnUnauthorized: 'yes' as unknown as boolean },
        { client: 'test' },
      ),
    ).toThrow(/retryOnUnauthorized/)
    expect(() =>
      createRequestAuthorizer(
        { provider: staticProvider, origins: ['http://evil.example'] },
        { client: 'test' },
      ),
    ).toThrow(/origins/)
  })

  it('includes the base URL origin by default', async () => {
    const authorizer = createRequestAuthorizer(
      { provider: staticProvider },
      { client: 'test', baseURL: 'http://127.0.0.1:4000/api/' },
    )
    expect(await authorizer.tokenFor('http://127.0.0.1:4000/api/v1')).toBe('fixed')
  })
})

describe('bearer', () => {
  it('formats the Authorization header value', () => {
    expect(bearer('abc')).toBe('Bearer abc')
  })

  it("ends the wait for a cached provider's first exchange at once when the signal aborts", async () => {
    // cachedProvider is marked as honouring the signal, so tokenFor adds no wrapper of its own.
    const provider = cachedProvider(() => new Promise<AccessToken>(() => undefined))
    const authorizer = createRequestAuthorizer(
      { provider, origins: ['https://api.example.com'] },
      { client: 'test' },
    )
    const controller = new AbortController()
    const pending = authorizer.tokenFor(new URL('https://api.example.com/v1'), controller.signal)
    controller.abort(new Error('caller gave up'))
    await expect(pending).rejects.toThrow('caller gave up')
    provider.close()
  })
})

describe('allows with a URL object that changes', () => {
  it('judges a mutated URL object again instead of remembering its old answer', () => {
    const authorizer = createRequestAuthorizer(
      { provider: staticProvider, origins: ['https://api.example.com'] },
      { client: 'test' },
    )
    const url = new URL('https://api.example.com/v1')
    expect(authorizer.allows(url)).toBe(true)
    url.href = 'https://evil.example.com/v1'
    expect(authorizer.allows(url)).toBe(false)
  })
})

describe('tokens that cannot travel as a bearer token', () => {
  const injected = 'abc\r\nx-evil: 1'
  const handing = (...tokens: string[]): TokenProvider & { calls: number } => {
    const state = {
      calls: 0,
      getToken: () => {
        const token = tokens[Math.min(state.calls, tokens.length - 1)] ?? ''
        state.calls += 1
        return Promise.resolve({ token, expiresAt: Date.now() + 60_000 })
      },
    }
    return state
  }
  const authorizerFor = (provider: TokenProvider) =>
    createRequestAuthorizer({ provider, origins: ['https://api.example.com'] }, { client: 'test' })

  it('rejects a token with a line break with ERR_TOKEN_INVALID that holds no part of it', async () => {
    const error: unknown = await authorizerFor(handing(injected))
      .tokenFor(allowedUrl)
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error)).toBe(true)
    expect((error as NebiusAuthError).code).toBe('ERR_TOKEN_INVALID')
    const shown = `${inspect(error)} ${JSON.stringify(error)}`
    expect(shown).not.toContain('abc')
    expect(shown).not.toContain('x-evil')
  })

  it('rejects empty, spaced and non-string tokens too', async () => {
    for (const token of ['', 'a b', 'tab\there', undefined as unknown as string]) {
      await expect(authorizerFor(handing(token)).tokenFor(allowedUrl)).rejects.toMatchObject({
        code: 'ERR_TOKEN_INVALID',
      })
    }
  })

  it('rejects a bad token even right after a good one', async () => {
    const authorizer = authorizerFor(handing('good-token', injected))
    expect(await authorizer.tokenFor(allowedUrl)).toBe('good-token')
    await expect(authorizer.tokenFor(allowedUrl)).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' })
  })

  it('does not retry a refusal with a fresh token that cannot be sent', async () => {
    const authorizer = authorizerFor(handing('good-token', injected))
    const sentToken = await authorizer.tokenFor(allowedUrl)
    expect(await authorizer.afterRefusal({ url: allowedUrl, sentToken, replayable: true })).toBeUndefined()
  })
})

describe('peekToken, the fast path', () => {
  it("offers a cached provider's fresh token without a promise, and nothing before the first token", async () => {
    const provider = cachedProvider(async () => ({ token: 'v1.fresh', expiresAt: Date.now() + 3_600_000 }))
    const authorizer = createRequestAuthorizer({ provider }, { client: 'test' })
    expect(authorizer.peekToken()).toBeUndefined()
    expect(await authorizer.tokenFor('https://api.nebius.cloud/')).toBe('v1.fresh')
    expect(authorizer.peekToken()).toBe('v1.fresh')
    provider.close()
  })

  it('offers nothing for a provider without peek, which is always asked through getToken', () => {
    const authorizer = createRequestAuthorizer({ provider: countingProvider() }, { client: 'test' })
    expect(authorizer.peekToken()).toBeUndefined()
  })

  it('never offers a token that cannot travel as a bearer token; tokenFor reports it', async () => {
    const provider: TokenProvider = {
      peek: () => ({ token: 'v1.a\r\nx-evil: 1', expiresAt: Infinity }),
      getToken: () => Promise.resolve({ token: 'v1.a\r\nx-evil: 1', expiresAt: Infinity }),
    }
    const authorizer = createRequestAuthorizer({ provider }, { client: 'test' })
    expect(authorizer.peekToken()).toBeUndefined()
    await expect(
      authorizer.tokenFor(allowedUrl.replace('example.com', 'nebius.cloud')),
    ).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
    })
  })

  it('keeps the fast path for adapters built without a provider (the default provider passes peek through)', async () => {
    const saved = process.env.NEBIUS_IAM_TOKEN
    process.env.NEBIUS_IAM_TOKEN = 'v1.from-the-environment'
    try {
      const authorizer = createRequestAuthorizer(undefined, { client: 'test' })
      expect(authorizer.peekToken()).toBeUndefined() // resolved lazily, on the first request
      expect(await authorizer.tokenFor('https://api.nebius.cloud/')).toBe('v1.from-the-environment')
      expect(authorizer.peekToken()).toBe('v1.from-the-environment')
      // The same settled promise on every warm call, and the abort marker survives the wrappers.
      expect(authorizer.provider.getToken()).toBe(authorizer.provider.getToken())
      expect(honours(authorizer.provider)).toBe(true)
      defaultProvider().close()
    } finally {
      if (saved === undefined) delete process.env.NEBIUS_IAM_TOKEN
      else process.env.NEBIUS_IAM_TOKEN = saved
    }
  })
})

describe('afterRefusal, the one decision after a refused request', () => {
  const refusal = { url: allowedUrl, sentToken: 'token-1', replayable: true }
  const authorizerFor = (
    provider: TokenProvider,
    options: { retryOnUnauthorized?: boolean; onEvent?: (event: NebiusAuthEvent) => void } = {},
  ) =>
    createRequestAuthorizer(
      { provider, origins: ['https://api.example.com'], ...options },
      { client: 'test' },
    )

  it('hands out a different token for a replayable request, and reports the retry', async () => {
    const provider = countingProvider()
    const events: NebiusAuthEvent[] = []
    const authorizer = authorizerFor(provider, { onEvent: (event) => events.push(event) })
    expect(await authorizer.afterRefusal(refusal)).toBe('token-2')
    expect(provider.calls).toEqual([{ rejected: 'token-1' }])
    expect(events).toEqual([
      { type: 'unauthorized-retry', origin: 'https://api.example.com', client: 'test' },
    ])
  })

  it('only forgets the token for a request that cannot be sent again, and reports no retry', async () => {
    const provider = countingProvider()
    const events: NebiusAuthEvent[] = []
    const authorizer = authorizerFor(provider, { onEvent: (event) => events.push(event) })
    expect(await authorizer.afterRefusal({ ...refusal, replayable: false })).toBeUndefined()
    expect(provider.calls).toEqual([{ rejected: 'token-1' }])
    expect(await authorizer.tokenFor(allowedUrl)).toBe('token-2')
    expect(events).toEqual([])
  })

  it('only forgets the token with retryOnUnauthorized: false', async () => {
    const provider = countingProvider()
    const authorizer = authorizerFor(provider, { retryOnUnauthorized: false })
    expect(authorizer.retryOnUnauthorized).toBe(false)
    expect(await authorizer.afterRefusal(refusal)).toBeUndefined()
    expect(provider.calls).toEqual([{ rejected: 'token-1' }])
  })

  it("leaves the provider alone for the caller's own header and for origins that never saw the token", async () => {
    const provider = countingProvider()
    const authorizer = authorizerFor(provider)
    expect(await authorizer.afterRefusal({ ...refusal, sentToken: undefined })).toBeUndefined()
    expect(await authorizer.afterRefusal({ ...refusal, url: 'https://other.example/' })).toBeUndefined()
    expect(provider.calls).toEqual([])
  })

  it('never retries a static token, whose refresh gives the same one', async () => {
    expect(
      await authorizerFor(staticProvider).afterRefusal({ ...refusal, sentToken: 'fixed' }),
    ).toBeUndefined()
  })

  it('rejects with the abort reason while a retry waits, but never when nothing is retried', async () => {
    const controller = new AbortController()
    controller.abort(new Error('caller gave up'))
    const aborting: TokenProvider = {
      getToken: (options) => Promise.reject(options?.signal?.reason as Error),
    }
    const authorizer = authorizerFor(aborting)
    const signal = controller.signal
    await expect(authorizer.afterRefusal({ ...refusal, signal })).rejects.toThrow('caller gave up')
    await expect(authorizer.afterRefusal({ ...refusal, replayable: false, signal })).resolves.toBeUndefined()
  })
})
