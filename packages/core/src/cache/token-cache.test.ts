import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { NebiusAuthError } from '../common/errors.js'
import { cachedProvider } from './token-cache.js'
import type { CacheOptions } from './token-cache.js'
import {
  controlledSource,
  eventLog,
  flush,
  hour,
  minute,
  start,
  tokenFor,
} from './token-cache.test-support.js'

beforeEach(() => {
  vi.useFakeTimers({ now: start })
})

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('cachedProvider options', () => {
  it('throws a TypeError when fetchToken is not a function', () => {
    expect(() => cachedProvider('nope' as never)).toThrow(TypeError)
  })

  it.each<[string, CacheOptions]>([
    ['now', { now: 5 as never }],
    ['onEvent', { onEvent: 'log' as never }],
    ['refreshRatio', { refreshRatio: 0 }],
    ['refreshRatio', { refreshRatio: 1.5 }],
    ['refreshRatio', { refreshRatio: Number.NaN }],
    ['expiryMargin', { expiryMargin: -1 }],
    ['expiryMargin', { expiryMargin: Number.POSITIVE_INFINITY }],
    ['refreshTimeout', { refreshTimeout: 0 }],
    ['random', { random: 0.5 as never }],
  ])('throws a TypeError naming options.%s when it is invalid', (name, options) => {
    expect(() => cachedProvider(async () => tokenFor('a', hour), options)).toThrow(
      new RegExp(`options\\.${name}`),
    )
  })

  it('throws a TypeError when options is not an object', () => {
    expect(() => cachedProvider(async () => tokenFor('a', hour), 3 as never)).toThrow(TypeError)
  })

  it('accepts Infinity as refreshTimeout', () => {
    expect(() =>
      cachedProvider(async () => tokenFor('a', hour), { refreshTimeout: Number.POSITIVE_INFINITY }),
    ).not.toThrow()
  })
})

describe('cachedProvider hot path', () => {
  it('fetches on the first call and serves the cached token afterwards', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const first = provider.getToken()
    source.last().resolve(tokenFor('one', hour))
    await expect(first).resolves.toEqual({ token: 'v1.one', expiresAt: start + hour })
    await expect(provider.getToken()).resolves.toEqual({ token: 'v1.one', expiresAt: start + hour })
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
  })

  it('returns the same resolved promise on every warm call', async () => {
    const provider = cachedProvider(async () => tokenFor('one', hour))
    await provider.getToken()
    expect(provider.getToken()).toBe(provider.getToken())
    expect(provider.getToken({ signal: new AbortController().signal })).toBe(provider.getToken())
  })

  it('creates no timer on a warm call', async () => {
    const provider = cachedProvider(async () => tokenFor('one', hour))
    await provider.getToken()
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    for (let index = 0; index < 100; index++) void provider.getToken()
    expect(setTimeoutSpy).not.toHaveBeenCalled()
  })

  it('returns a frozen copy that carries only token and expiresAt', async () => {
    const provider = cachedProvider(async () => ({ ...tokenFor('one', hour), tokenType: 'Bearer' }))
    const token = await provider.getToken()
    expect(Object.isFrozen(token)).toBe(true)
    expect(Object.keys(token)).toEqual(['token', 'expiresAt'])
  })
})

describe('cachedProvider with a source that returns garbage', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'v1.token'],
    ['an empty token', { token: '', expiresAt: start + hour }],
    ['a token with a space', { token: 'v1.a b', expiresAt: start + hour }],
    ['a token with a line break', { token: 'v1.a\r\nx-injected: 1', expiresAt: start + hour }],
    ['a missing expiresAt', { token: 'v1.a' }],
    ['an expiresAt that is NaN', { token: 'v1.a', expiresAt: Number.NaN }],
    ['an infinite expiresAt', { token: 'v1.a', expiresAt: Number.POSITIVE_INFINITY }],
    ['an expiresAt string', { token: 'v1.a', expiresAt: String(start + hour) }],
    ['an expiresAt in seconds', { token: 'v1.a', expiresAt: Math.floor(start / 1000) + 3600 }],
  ])('fails with ERR_TOKEN_INVALID for %s', async (_, value) => {
    const provider = cachedProvider(async () => value as never)
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' })
  })

  it('does not cache garbage: the next call after the backoff window fetches again', async () => {
    const fetchToken = vi
      .fn<() => Promise<unknown>>()
      .mockResolvedValueOnce({ token: '', expiresAt: start + hour })
      .mockResolvedValueOnce(tokenFor('good', hour))
    const provider = cachedProvider(fetchToken as never, { random: () => 0.5 })
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' })
    vi.advanceTimersByTime(minute)
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.good' })
  })

  it('turns a synchronous throw from fetchToken into a rejection', async () => {
    const provider = cachedProvider(() => {
      throw new TypeError('broken source')
    })
    await expect(provider.getToken()).rejects.toThrow('broken source')
  })

  it('wraps a non-Error rejection in ERR_UNKNOWN with the value as cause', async () => {
    const thrown: unknown = 'plain string'
    const provider = cachedProvider(async () => {
      throw thrown
    })
    const error: unknown = await provider.getToken().catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ERR_UNKNOWN', cause: 'plain string' })
  })
})

describe('cachedProvider secrecy', () => {
  const secret = 'v1.CmQKHHNlcnZpY2VhY2NvdW50LXNlY3JldA.c2lnbmF0dXJlLXNlY3JldA'

  // String() typed as taking unknown, so the lint rule against '[object Object]' leaves this test alone.
  const stringify: (value: unknown) => string = String

  it('never shows the cached token in util.inspect, String or JSON.stringify', async () => {
    const provider = cachedProvider(async () => ({ token: secret, expiresAt: start + hour }))
    await provider.getToken()
    for (const shown of [
      inspect(provider, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      stringify(provider),
      JSON.stringify(provider),
    ]) {
      expect(shown).not.toContain('CmQKHHNlcnZpY2VhY2NvdW50')
    }
  })

  it('hands out tokens that util.inspect and JSON.stringify show sanitized, yet still readable', async () => {
    const provider = cachedProvider(async () => ({ token: secret, expiresAt: start + hour }))
    const accessToken = await provider.getToken()
    expect(accessToken.token).toBe(secret)
    for (const shown of [
      inspect(accessToken, { depth: Number.POSITIVE_INFINITY }),
      JSON.stringify(accessToken),
    ]) {
      // The signature part is the secret; sanitizing keeps the non-secret payload.
      expect(shown).not.toContain('c2lnbmF0dXJlLXNlY3JldA')
      expect(shown).toContain('**')
    }
  })

  it('never puts the token into an event', async () => {
    const log = eventLog()
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { onEvent: log.onEvent })
    const first = provider.getToken()
    source.last().resolve({ token: secret, expiresAt: start + hour })
    await first
    vi.advanceTimersByTime(0.9 * hour)
    source.last().reject(new Error('outage'))
    await flush()
    await provider.getToken()
    expect(log.events.map((event) => event.type)).toEqual([
      'refresh-started',
      'refresh-succeeded',
      'refresh-started',
      'refresh-failed',
      'stale-token-served',
    ])
    expect(JSON.stringify(log.events)).not.toContain('CmQKHHNlcnZpY2VhY2NvdW50')
  })
})

describe('cachedProvider close', () => {
  it('makes later getToken calls reject with ERR_PROVIDER_CLOSED', async () => {
    const provider = cachedProvider(async () => tokenFor('one', hour))
    await provider.getToken()
    provider.close()
    const error: unknown = await provider.getToken().catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
  })

  it('aborts the signal passed to a running fetchToken', () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    void provider.getToken().catch(() => undefined)
    provider.close()
    expect(source.last().signal.aborted).toBe(true)
  })

  it('rejects callers that were waiting for the exchange', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const waiting = provider.getToken()
    provider.close()
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
  })

  it('ignores a token that arrives after close', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const waiting = provider.getToken().catch(() => undefined)
    provider.close()
    source.last().resolve(tokenFor('late', hour))
    await waiting
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
  })

  it('stops the background refresh timer', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const first = provider.getToken()
    source.last().resolve(tokenFor('one', hour))
    await first
    expect(vi.getTimerCount()).toBe(1)
    provider.close()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(2 * hour)
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
  })

  it('can be called twice', () => {
    const provider = cachedProvider(async () => tokenFor('one', hour))
    provider.close()
    expect(() => {
      provider.close()
    }).not.toThrow()
  })
})

describe('cachedProvider timers', () => {
  it('never keeps the process alive once the caller has its token: every timer left is unref-ed', async () => {
    vi.useRealTimers()
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout')
    const provider = cachedProvider(async () => tokenFor('one', hour))
    await provider.getToken()
    const timers = setTimeoutSpy.mock.results.map((result) => result.value as NodeJS.Timeout)
    const cleared = new Set(clearTimeoutSpy.mock.calls.map(([timer]) => timer))
    // The refresh-timeout guard of the exchange, the background refresh, and the caller's keep-alive,
    // which holds the process only while the caller waits.
    expect(timers).toHaveLength(3)
    for (const timer of timers) expect(timer.hasRef() && !cleared.has(timer)).toBe(false)
    provider.close()
  })
})
