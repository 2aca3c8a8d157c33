import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { cachedProvider } from './token-cache.js'
import {
  controlledSource,
  eventLog,
  flush,
  hour,
  second,
  start,
  tokenFor,
} from './token-cache.test-support.js'

beforeEach(() => {
  vi.useFakeTimers({ now: start })
})

afterEach(() => {
  vi.useRealTimers()
})

/** A provider already holding `v1.first`, valid for an hour. */
async function warmProvider(options: Parameters<typeof cachedProvider>[1] = {}) {
  const source = controlledSource()
  const log = eventLog()
  const provider = cachedProvider(source.fetchToken, { onEvent: log.onEvent, random: () => 0.5, ...options })
  const first = provider.getToken()
  source.last().resolve(tokenFor('first', hour))
  await first
  return { source, log, provider }
}

describe('cachedProvider compare-and-refresh of a rejected token', () => {
  it('refreshes when the cache still holds the rejected token', async () => {
    const { source, provider, log } = await warmProvider()
    const refreshed = provider.getToken({ rejected: 'v1.first' })
    source.last().resolve(tokenFor('second', hour))
    await expect(refreshed).resolves.toMatchObject({ token: 'v1.second' })
    expect(log.events.at(-2)).toEqual({ type: 'refresh-started', reason: 'rejected' })
  })

  it('serves the newer token without refreshing when the rejected one was already replaced', async () => {
    const { source, provider } = await warmProvider()
    const refreshed = provider.getToken({ rejected: 'v1.first' })
    source.last().resolve(tokenFor('second', hour))
    await refreshed
    await expect(provider.getToken({ rejected: 'v1.first' })).resolves.toMatchObject({ token: 'v1.second' })
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('refreshes once for ten concurrent rejections of the same token', async () => {
    const { source, provider } = await warmProvider()
    const callers = Array.from({ length: 10 }, () => provider.getToken({ rejected: 'v1.first' }))
    source.last().resolve(tokenFor('second', hour))
    const tokens = await Promise.all(callers)
    expect(tokens.map((token) => token.token)).toEqual(Array(10).fill('v1.second'))
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('never returns the rejected token again, even while the refresh is failing', async () => {
    const { source, provider } = await warmProvider()
    const refreshed = provider.getToken({ rejected: 'v1.first' })
    source.last().reject(new Error('outage'))
    await expect(refreshed).rejects.toThrow('outage')
    await expect(provider.getToken()).rejects.toThrow('outage')
  })

  it('fails with ERR_TOKEN_REJECTED when the source hands back the rejected token', async () => {
    const { source, provider } = await warmProvider()
    const refreshed = provider.getToken({ rejected: 'v1.first' })
    source.last().resolve({ token: 'v1.first', expiresAt: start + hour })
    await expect(refreshed).rejects.toMatchObject({ code: 'ERR_TOKEN_REJECTED' })
  })

  it('joins a background refresh that is already running instead of starting another', async () => {
    const { source, provider } = await warmProvider()
    vi.advanceTimersByTime(0.9 * hour)
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
    const refreshed = provider.getToken({ rejected: 'v1.first' })
    source.last().resolve(tokenFor('second', hour))
    await expect(refreshed).resolves.toMatchObject({ token: 'v1.second' })
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('fetches normally when the cache is empty', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const refreshed = provider.getToken({ rejected: 'v1.unknown' })
    source.last().resolve(tokenFor('first', hour))
    await expect(refreshed).resolves.toMatchObject({ token: 'v1.first' })
  })
})

describe("cachedProvider and a caller's signal", () => {
  it('rejects an aborted caller with the signal reason', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const controller = new AbortController()
    const waiting = provider.getToken({ signal: controller.signal })
    const reason = new Error('caller gave up')
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
  })

  it('leaves the other callers and the shared exchange alone when one caller aborts', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const controller = new AbortController()
    const leaving = provider.getToken({ signal: controller.signal }).catch(() => 'left')
    const staying = provider.getToken({ signal: new AbortController().signal })
    controller.abort()
    await expect(leaving).resolves.toBe('left')
    expect(source.last().signal.aborted).toBe(false)
    source.last().resolve(tokenFor('one', hour))
    await expect(staying).resolves.toMatchObject({ token: 'v1.one' })
  })

  it('fills the cache even when every waiting caller went away', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const controller = new AbortController()
    const leaving = provider.getToken({ signal: controller.signal }).catch(() => 'left')
    controller.abort()
    await leaving
    source.last().resolve(tokenFor('one', hour))
    await flush()
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.one' })
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
  })

  it('rejects a call whose signal is already aborted without starting an exchange', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const reason = new Error('too late')
    await expect(provider.getToken({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(source.fetchToken).not.toHaveBeenCalled()
  })

  it('rejects a call whose signal is already aborted even when the token is warm', async () => {
    const { provider } = await warmProvider()
    const reason = new Error('too late')
    await expect(provider.getToken({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
  })

  it('stops listening to the signal once the caller has its token', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const controller = new AbortController()
    const removeEventListener = vi.spyOn(controller.signal, 'removeEventListener')
    const waiting = provider.getToken({ signal: controller.signal })
    source.last().resolve(tokenFor('one', hour))
    await waiting
    expect(removeEventListener).toHaveBeenCalledWith('abort', expect.any(Function))
  })
})

describe('cachedProvider generations', () => {
  it('never lets a late older exchange overwrite a newer token', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { refreshTimeout: 5 * second, random: () => 0.5 })
    const first = provider.getToken().catch(() => undefined)
    vi.advanceTimersByTime(5 * second) // the first exchange is given up
    await first
    vi.advanceTimersByTime(second) // past the backoff window
    const second_ = provider.getToken()
    const [older, newer] = source.calls
    newer!.resolve(tokenFor('newer', hour))
    await expect(second_).resolves.toMatchObject({ token: 'v1.newer' })
    older!.resolve(tokenFor('older', 2 * hour))
    await flush()
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.newer' })
  })

  it('lets a given-up exchange that delivers late fill an empty cache', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { refreshTimeout: 5 * second })
    const first = provider.getToken().catch(() => undefined)
    vi.advanceTimersByTime(5 * second)
    await first
    source.last().resolve(tokenFor('late', hour))
    await flush()
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.late' })
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
  })
})
