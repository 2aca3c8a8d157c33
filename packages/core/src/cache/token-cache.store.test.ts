import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { NebiusAuthEvent } from '../common/events.js'

import { cachedProvider } from './token-cache.js'
import type { CacheOptions } from './token-cache.js'
import {
  controlledSource,
  eventLog,
  flush,
  hour,
  minute,
  second,
  start,
  tokenFor,
} from './token-cache.test-support.js'
import { memoryStore } from './token-store.test-support.js'

const key = 'nebius-auth:v1:test'

beforeEach(() => {
  vi.useFakeTimers({ now: start })
})

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('cachedProvider store options', () => {
  it.each<[string, CacheOptions]>([
    ['store', { store: { get: 1 } as never, storeKey: key }],
    ['storeKey', { store: memoryStore() }],
    ['storeKey', { store: memoryStore(), storeKey: '' }],
    ['storeTimeout', { store: memoryStore(), storeKey: key, storeTimeout: 0 }],
    ['leaseTtl', { store: memoryStore(), storeKey: key, leaseTtl: Number.POSITIVE_INFINITY }],
  ])('throws a TypeError naming options.%s when it is invalid', (name, options) => {
    expect(() => cachedProvider(async () => tokenFor('a', hour), options)).toThrow(
      new RegExp(`options\\.${name}`),
    )
  })
})

describe('cachedProvider with a store', () => {
  it('exchanges once and writes the token with the time its exchange started', async () => {
    const store = memoryStore()
    const provider = cachedProvider(async () => tokenFor('one', hour), { store, storeKey: key })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.one' })
    expect(store.tokens.get(key)).toEqual({ token: 'v1.one', expiresAt: start + hour, obtainedAt: start })
    expect(store.leases.size).toBe(0)
  })

  it('never touches the store on a warm hit', async () => {
    const store = memoryStore()
    const provider = cachedProvider(async () => tokenFor('one', hour), { store, storeKey: key })
    await provider.getToken()
    store.get.mockClear()
    for (let index = 0; index < 100; index++) await provider.getToken()
    expect(store.get).not.toHaveBeenCalled()
  })

  it('uses a fresh stored token without an exchange', async () => {
    const store = memoryStore()
    store.tokens.set(key, { ...tokenFor('shared', hour), obtainedAt: start })
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { store, storeKey: key })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.shared' })
    expect(source.fetchToken).not.toHaveBeenCalled()
  })

  it('refreshes a shared token at the refresh point of its own exchange', async () => {
    const store = memoryStore()
    store.tokens.set(key, {
      token: 'v1.shared',
      expiresAt: start + 50 * minute,
      obtainedAt: start - 10 * minute,
    })
    const provider = cachedProvider(async () => tokenFor('new', hour), { store, storeKey: key })
    await provider.getToken()
    // Lifetime 60 min from start − 10 min: 90% is start + 44 min.
    vi.advanceTimersByTime(44 * minute - second)
    expect(store.get).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(2 * second)
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.new' })
  })

  it('ignores a stored token that is past its refresh point and exchanges', async () => {
    const store = memoryStore()
    store.tokens.set(key, { token: 'v1.old', expiresAt: start + 5 * minute, obtainedAt: start - 55 * minute })
    const provider = cachedProvider(async () => tokenFor('new', hour), { store, storeKey: key })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.new' })
  })

  it('does not take back from the store a token the server rejected', async () => {
    const store = memoryStore()
    const fetchToken = vi
      .fn(async () => tokenFor('one', hour))
      .mockResolvedValueOnce(tokenFor('one', hour))
      .mockResolvedValueOnce(tokenFor('two', hour))
    const provider = cachedProvider(fetchToken, { store, storeKey: key })
    await provider.getToken()
    await expect(provider.getToken({ rejected: 'v1.one' })).resolves.toMatchObject({ token: 'v1.two' })
    expect(store.tokens.get(key)?.token).toBe('v1.two')
  })

  it('reads the store again after taking the lease, in case another process just wrote', async () => {
    const store = memoryStore()
    store.get.mockResolvedValueOnce(undefined)
    store.tokens.set(key, { ...tokenFor('written', hour), obtainedAt: start })
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { store, storeKey: key })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.written' })
    expect(source.fetchToken).not.toHaveBeenCalled()
    expect(store.get).toHaveBeenCalledTimes(2)
  })

  it('waits for the lease holder and uses its token instead of exchanging', async () => {
    const store = memoryStore()
    store.leases.add(key)
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { store, storeKey: key })
    const pending = provider.getToken()
    await vi.advanceTimersByTimeAsync(200)
    store.tokens.set(key, { ...tokenFor('holder', hour), obtainedAt: Date.now() })
    await vi.advanceTimersByTimeAsync(300)
    await expect(pending).resolves.toMatchObject({ token: 'v1.holder' })
    expect(source.fetchToken).not.toHaveBeenCalled()
  })

  it('exchanges itself when the lease holder never delivers', async () => {
    const store = memoryStore()
    store.leases.add(key)
    const provider = cachedProvider(async () => tokenFor('own', hour), {
      store,
      storeKey: key,
      leaseTtl: 5 * second,
    })
    const pending = provider.getToken()
    await vi.advanceTimersByTimeAsync(6 * second)
    await expect(pending).resolves.toMatchObject({ token: 'v1.own' })
    expect(store.tokens.get(key)?.token).toBe('v1.own')
  })

  it('keeps serving the valid token while another process refreshes it', async () => {
    const store = memoryStore()
    const provider = cachedProvider(async () => tokenFor('one', hour), { store, storeKey: key })
    await provider.getToken()
    store.leases.add(key)
    vi.advanceTimersByTime(55 * minute)
    await flush()
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.one' })
  })

  it('shares one exchange between two providers on the same store', async () => {
    const store = memoryStore()
    const source = controlledSource()
    const first = cachedProvider(source.fetchToken, { store, storeKey: key })
    const second = cachedProvider(source.fetchToken, { store, storeKey: key })
    const tokens = Promise.all([first.getToken(), second.getToken()])
    await flush()
    source.last().resolve(tokenFor('one', hour))
    await vi.advanceTimersByTimeAsync(100)
    await expect(tokens).resolves.toMatchObject([{ token: 'v1.one' }, { token: 'v1.one' }])
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
  })

  it('calls a storeKey function to find the key', async () => {
    const store = memoryStore()
    const provider = cachedProvider(async () => tokenFor('one', hour), {
      store,
      storeKey: async () => 'found',
    })
    await provider.getToken()
    expect(store.tokens.has('found')).toBe(true)
  })
})

describe('cachedProvider when the store fails', () => {
  it.each(['get', 'lease', 'set'] as const)(
    'still returns a token and emits store-error when %s throws',
    async (operation) => {
      const store = memoryStore()
      const error = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
      store[operation].mockRejectedValue(error)
      const { events, onEvent } = eventLog()
      const provider = cachedProvider(async () => tokenFor('own', hour), { store, storeKey: key, onEvent })
      await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.own' })
      expect(events).toContainEqual({
        type: 'store-error',
        operation,
        code: 'ERR_STORE_FAILED',
        systemCode: 'ECONNREFUSED',
      })
    },
  )

  it('warns once per outage with store-unavailable, and again after the store recovered', async () => {
    const store = memoryStore()
    store.get.mockRejectedValue(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
    const { events, onEvent } = eventLog()
    let count = 0
    const provider = cachedProvider(async () => tokenFor(`own${String(++count)}`, hour), {
      store,
      storeKey: key,
      onEvent,
    })
    const refresh = async (): Promise<void> => {
      await provider.getToken({ rejected: (await provider.getToken()).token })
    }
    await refresh()
    const warnings = (): NebiusAuthEvent[] => events.filter((event) => event.type === 'store-unavailable')
    expect(warnings()).toEqual([{ type: 'store-unavailable', operation: 'get', code: 'ERR_STORE_FAILED' }])
    expect(events.filter((event) => event.type === 'store-error').length).toBeGreaterThan(1)
    store.get.mockResolvedValue(undefined)
    await refresh()
    store.get.mockRejectedValue(new Error('down again'))
    await refresh()
    expect(warnings()).toHaveLength(2)
  })

  it('reports a store that throws a TypeError on every call as ERR_STORE_MISCONFIGURED', async () => {
    const store = memoryStore()
    // What a Redis client of a shape the store did not expect throws.
    store.get.mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'toLowerCase')")
    })
    const { events, onEvent } = eventLog()
    const provider = cachedProvider(async () => tokenFor('own', hour), { store, storeKey: key, onEvent })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.own' })
    expect(events).toContainEqual({
      type: 'store-unavailable',
      operation: 'get',
      code: 'ERR_STORE_MISCONFIGURED',
    })
  })

  it('gives up on a hung store call after storeTimeout and exchanges', async () => {
    const store = memoryStore()
    store.get.mockReturnValue(new Promise(() => undefined))
    const { events, onEvent } = eventLog()
    const provider = cachedProvider(async () => tokenFor('own', hour), { store, storeKey: key, onEvent })
    const pending = provider.getToken()
    await vi.advanceTimersByTimeAsync(second)
    await expect(pending).resolves.toMatchObject({ token: 'v1.own' })
    expect(events).toContainEqual({ type: 'store-error', operation: 'get', code: 'ERR_STORE_TIMEOUT' })
  })

  it('still returns a token when the release fails', async () => {
    const store = memoryStore()
    store.lease.mockResolvedValue(async () => Promise.reject(new Error('gone')))
    const { events, onEvent } = eventLog()
    const provider = cachedProvider(async () => tokenFor('own', hour), { store, storeKey: key, onEvent })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.own' })
    await flush()
    expect(events).toContainEqual({ type: 'store-error', operation: 'release', code: 'ERR_STORE_FAILED' })
  })

  it('treats a damaged stored value as absent', async () => {
    const store = memoryStore()
    store.get.mockResolvedValue({ token: 'has space', expiresAt: 'soon' } as never)
    const provider = cachedProvider(async () => tokenFor('own', hour), { store, storeKey: key })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.own' })
  })

  it('exchanges without the store when the storeKey function fails', async () => {
    const store = memoryStore()
    const storeKey = async (): Promise<string> => Promise.reject(new Error('no credentials'))
    const provider = cachedProvider(async () => tokenFor('own', hour), { store, storeKey })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.own' })
    expect(store.get).not.toHaveBeenCalled()
  })
})
