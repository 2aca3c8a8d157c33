import { describe, expect, it } from 'vitest'

import { honours } from '../common/abortable.js'
import type { NebiusAuthEvent } from '../common/events.js'
import type { AccessToken } from '../common/types.js'
import { cached, cacheOptionsIn, type CachedOptions } from './cached.js'
import { named } from './named.js'

/** A source that counts its calls and answers with a token that lives `lifetime` ms on the clock `now`. */
function counting(now: () => number, lifetime = 100_000) {
  let calls = 0
  const source = (): Promise<AccessToken> => {
    calls += 1
    return Promise.resolve({ token: `v1.token${String(calls)}.c2lnbmF0dXJl`, expiresAt: now() + lifetime })
  }
  return { source, calls: () => calls }
}

describe('cached', () => {
  it('fetches once for concurrent callers and serves the token from memory after', async () => {
    const { source, calls } = counting(Date.now)
    const provider = cached(source)
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getToken()))
    expect(new Set(tokens.map((token) => token.token)).size).toBe(1)
    await provider.getToken()
    expect(calls()).toBe(1)
    expect(provider.peek()).toBe(tokens[0])
    expect(provider.getToken()).toBe(provider.getToken())
    expect(honours(provider)).toBe(true)
    provider.close()
  })

  it('asks for nothing at construction, and peeks nothing before the first call', () => {
    const { source, calls } = counting(Date.now)
    const provider = cached(source)
    expect(provider.peek()).toBeUndefined()
    expect(calls()).toBe(0)
  })

  it('takes the clock and the nested cache settings: refreshRatio moves the refresh point', async () => {
    let time = 1_000_000
    const now = (): number => time
    const { source, calls } = counting(now, 100_000)
    const provider = cached(source, { now, cache: { refreshRatio: 0.5 } })
    await provider.getToken()
    time += 40_000
    await provider.getToken()
    expect(calls()).toBe(1)
    time += 20_000 // past half of the lifetime: the next call starts a background refresh
    await provider.getToken()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(calls()).toBe(2)
    provider.close()
  })

  it('rejects calls after close with ERR_PROVIDER_CLOSED, closed before or after its first call', async () => {
    const { source } = counting(Date.now)
    const early = cached(source)
    early.close()
    await expect(early.getToken()).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
    const late = cached(source)
    await late.getToken()
    late.close()
    expect(late.peek()).toBeUndefined()
    await expect(late.getToken()).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
  })

  it('names its events with its name option, or with the name named gives it', async () => {
    const events: NebiusAuthEvent[] = []
    const onEvent = (event: NebiusAuthEvent): void => {
      events.push(event)
    }
    await cached(counting(Date.now).source, { name: 'own', onEvent }).getToken()
    await named('given', cached(counting(Date.now).source, { onEvent })).getToken()
    await cached(counting(Date.now).source, { onEvent }).getToken()
    expect(events.map((event) => event.provider)).toEqual([
      'own',
      'own',
      'given',
      'given',
      undefined,
      undefined,
    ])
  })
})

describe('cached options', () => {
  const source = counting(Date.now).source

  it('throws a TypeError at construction for a source that is not a function', () => {
    expect(() => cached(undefined as never)).toThrow(/^source must be a function/)
  })

  it.each<[string, unknown, RegExp]>([
    ['options that are not an object', 'fast', /^options must be an object/],
    ['a cache that is not an object', { cache: 0.5 }, /^options\.cache must be an object/],
    ['an unknown cache setting', { cache: { refreshratio: 0.5 } }, /^options\.cache\.refreshratio is not/],
    ['a provider option inside cache', { cache: { store: {} } }, /^options\.cache\.store is not/],
    ['a refreshRatio out of range', { cache: { refreshRatio: 2 } }, /^options\.cache\.refreshRatio must/],
    ['a negative expiryMargin', { cache: { expiryMargin: -1 } }, /^options\.cache\.expiryMargin must/],
    ['a zero refreshTimeout', { cache: { refreshTimeout: 0 } }, /^options\.cache\.refreshTimeout must/],
    ['a random that is not a function', { cache: { random: 0.5 } }, /^options\.cache\.random must/],
    ['a leaseTtl of Infinity', { cache: { leaseTtl: Infinity } }, /^options\.cache\.leaseTtl must/],
    ['a storeTimeout of 0', { cache: { storeTimeout: 0 } }, /^options\.cache\.storeTimeout must/],
    ['a now that is not a function', { now: 5 }, /^options\.now must/],
    [
      'a store without storeKey',
      { store: { get() {}, set() {}, lease() {} } },
      /^options\.storeKey is required/,
    ],
  ])('throws a TypeError at construction for %s', (_name, options, message) => {
    const make = (): unknown => cached(source, options as CachedOptions)
    expect(make).toThrow(TypeError)
    expect(make).toThrow(message)
  })
})

describe('cacheOptionsIn', () => {
  it('picks the cache’s options and leaves everything else of a provider’s options out', () => {
    const onEvent = (): void => undefined
    const picked = cacheOptionsIn({
      onEvent,
      name: 'mine',
      cache: { refreshRatio: 0.5 },
      ...{ privateKey: 'PEM', endpoint: 'https://example.com' },
    })
    expect(picked).toEqual({ onEvent, cache: { refreshRatio: 0.5 } })
    expect(Object.keys(picked)).not.toContain('privateKey')
  })
})
