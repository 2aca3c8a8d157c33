import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { cachedProvider } from './token-cache.js'
import { controlledSource, flush, hour, minute, start, tokenFor } from './token-cache.test-support.js'

beforeEach(() => {
  vi.useFakeTimers({ now: start })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('cachedProvider peek', () => {
  it('offers nothing and starts nothing before the first token', () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    expect(provider.peek()).toBeUndefined()
    expect(source.fetchToken).not.toHaveBeenCalled()
  })

  it('offers the cached token, the very object getToken resolved to, while it is fresh', async () => {
    const provider = cachedProvider(async () => tokenFor('a', hour))
    const token = await provider.getToken()
    expect(provider.peek()).toBe(token)
    await vi.advanceTimersByTimeAsync(30 * minute)
    expect(provider.peek()).toBe(token)
  })

  it('offers nothing once the refresh point has passed, and leaves the refresh to getToken', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const first = provider.getToken()
    source.last().resolve(tokenFor('a', hour))
    await first
    // Past 90 % of the lifetime the timer starts the background refresh; peek never does.
    vi.setSystemTime(start + 55 * minute)
    expect(provider.peek()).toBeUndefined()
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
    expect((await provider.getToken()).token).toBe('v1.a')
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
    source.last().resolve(tokenFor('b', hour))
    await flush()
    expect(provider.peek()?.token).toBe('v1.b')
  })

  it('offers nothing while a refused token is being replaced', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const first = provider.getToken()
    source.last().resolve(tokenFor('a', hour))
    await first
    const refreshing = provider.getToken({ rejected: 'v1.a' })
    expect(provider.peek()).toBeUndefined()
    source.last().resolve(tokenFor('b', hour))
    expect((await refreshing).token).toBe('v1.b')
    expect(provider.peek()?.token).toBe('v1.b')
  })

  it('offers nothing after close', async () => {
    const provider = cachedProvider(async () => tokenFor('a', hour))
    await provider.getToken()
    provider.close()
    expect(provider.peek()).toBeUndefined()
  })
})
