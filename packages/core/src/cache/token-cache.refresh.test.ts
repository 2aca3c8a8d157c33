import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { TokenExchangeError } from '../common/errors.js'
import { cachedProvider } from './token-cache.js'
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

beforeEach(() => {
  vi.useFakeTimers({ now: start })
})

afterEach(() => {
  vi.useRealTimers()
})

/** A provider already holding `v1.first`, valid for `lifetime` ms from now. */
async function warmProvider(lifetime: number, options: Parameters<typeof cachedProvider>[1] = {}) {
  const source = controlledSource()
  const log = eventLog()
  const provider = cachedProvider(source.fetchToken, { onEvent: log.onEvent, random: () => 0.5, ...options })
  const first = provider.getToken()
  source.last().resolve(tokenFor('first', lifetime))
  await first
  return { source, log, provider }
}

describe('cachedProvider single flight', () => {
  it('calls fetchToken exactly once for 1,000 concurrent cold callers', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const callers = Array.from({ length: 1000 }, () => provider.getToken())
    source.last().resolve(tokenFor('shared', hour))
    const tokens = await Promise.all(callers)
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
    expect(new Set(tokens.map((token) => token.token))).toEqual(new Set(['v1.shared']))
  })
})

describe('cachedProvider background refresh', () => {
  it('does not refresh before 90% of the lifetime has passed', async () => {
    const { source } = await warmProvider(100 * second)
    vi.advanceTimersByTime(90 * second - 1)
    await flush()
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
  })

  it('starts a background refresh once 90% of the lifetime has passed', async () => {
    const { source, log } = await warmProvider(100 * second)
    vi.advanceTimersByTime(90 * second)
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
    expect(log.events.at(-1)).toEqual({ type: 'refresh-started', reason: 'background' })
  })

  it('keeps serving the old token without waiting while the refresh runs', async () => {
    const { source, provider } = await warmProvider(100 * second)
    vi.advanceTimersByTime(92 * second)
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.first' })
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('serves the new token once the refresh succeeds', async () => {
    const { source, provider } = await warmProvider(100 * second)
    vi.advanceTimersByTime(90 * second)
    source.last().resolve(tokenFor('second', 100 * second))
    await flush()
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.second' })
  })

  it('measures the lifetime from when the fetch started, not when it answered', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const first = provider.getToken()
    const expiresAt = start + 100 * second
    vi.advanceTimersByTime(10 * second) // a slow exchange
    source.last().resolve({ token: 'v1.slow', expiresAt })
    await first
    // 90% of (expiresAt − start) is start + 90 s, which is 80 s after the answer arrived.
    vi.advanceTimersByTime(80 * second - 1)
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('refreshes at the fraction given by refreshRatio', async () => {
    const { source } = await warmProvider(100 * second, { refreshRatio: 0.5 })
    vi.advanceTimersByTime(50 * second)
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('starts the refresh from getToken when only the injected clock has moved', async () => {
    let time = start
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { now: () => time })
    const first = provider.getToken()
    source.last().resolve({ token: 'v1.first', expiresAt: start + 100 * second })
    await first
    time = start + 91 * second // no timer has fired: the clock is injected, not faked
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.first' })
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('refreshes a token that lives longer than the longest timer delay at the right time', async () => {
    const day = 24 * hour
    const { source } = await warmProvider(60 * day)
    vi.advanceTimersByTime(54 * day - 1)
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })
})

describe('cachedProvider during an exchange outage', () => {
  it('keeps serving a still-valid token while its refresh fails', async () => {
    const { source, provider } = await warmProvider(100 * second)
    vi.advanceTimersByTime(90 * second)
    source.last().reject(new Error('outage'))
    await flush()
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.first' })
  })

  it('reports stale-token-served once per failed attempt, not once per call', async () => {
    const { source, provider, log } = await warmProvider(100 * second)
    vi.advanceTimersByTime(90 * second)
    source.last().reject(new Error('outage'))
    await flush()
    await provider.getToken()
    await provider.getToken()
    expect(log.events.filter((event) => event.type === 'stale-token-served')).toEqual([
      { type: 'stale-token-served', expiresAt: start + 100 * second },
    ])
  })

  it('keeps serving the failing token inside the expiry margin, up to expiresAt', async () => {
    const { source, provider } = await warmProvider(100 * second, { expiryMargin: 5 * second })
    vi.advanceTimersByTime(90 * second)
    source.last().reject(new Error('outage'))
    await flush()
    vi.setSystemTime(start + 100 * second - 1)
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.first' })
  })

  it('never returns a token at its expiresAt: the caller waits for a new exchange instead', async () => {
    const { source, provider } = await warmProvider(100 * second)
    vi.advanceTimersByTime(90 * second)
    source.last().reject(new Error('outage'))
    await flush()
    vi.setSystemTime(start + 100 * second) // past the backoff window, which no timer has acted on
    const outcome = provider.getToken()
    expect(source.fetchToken).toHaveBeenCalledTimes(3)
    source.last().reject(new Error('still down'))
    await expect(outcome).rejects.toThrow('still down')
  })

  it('never returns a token after its expiresAt, even inside the backoff window', async () => {
    const { source, provider } = await warmProvider(100 * second)
    vi.advanceTimersByTime(90 * second)
    source.last().reject(new Error('outage'))
    await flush()
    // Background retries at 91, 92.5, 94.75 and 98.125 s; the next is due after expiry, at 103.1875 s.
    for (const delay of [1000, 1500, 2250, 3375]) {
      vi.advanceTimersByTime(delay)
      source.last().reject(new Error('outage'))
      await flush()
    }
    vi.setSystemTime(start + 100 * second)
    await expect(provider.getToken()).rejects.toThrow('outage')
    expect(source.fetchToken).toHaveBeenCalledTimes(6)
  })

  it('makes callers wait for the refresh inside the expiry margin while the refresh is not failing', async () => {
    const { source, provider } = await warmProvider(100 * second, { expiryMargin: 4 * second })
    vi.advanceTimersByTime(90 * second)
    vi.setSystemTime(start + 96 * second) // 4 s left: inside the margin
    let settled = false
    const waiting = provider.getToken().finally(() => (settled = true))
    await flush()
    expect(settled).toBe(false)
    source.last().resolve(tokenFor('second', 100 * second))
    await expect(waiting).resolves.toMatchObject({ token: 'v1.second' })
  })

  it('caps the expiry margin at half the refresh window so short-lived tokens are still served', async () => {
    // Refresh at 9 s, expiry at 10 s: the margin shrinks from 10 s to 0.5 s.
    const { source, provider } = await warmProvider(10 * second)
    vi.advanceTimersByTime(9 * second)
    vi.setSystemTime(start + 9.5 * second - 1)
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.first' })
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('gives the stale token to callers that waited for a refresh that then failed', async () => {
    const { source, provider, log } = await warmProvider(100 * second, { expiryMargin: 4 * second })
    vi.setSystemTime(start + 97 * second) // inside the margin; the refresh timer has not run yet
    const waiting = provider.getToken()
    source.last().reject(new Error('outage'))
    await expect(waiting).resolves.toMatchObject({ token: 'v1.first' })
    expect(log.events.at(-1)).toEqual({ type: 'stale-token-served', expiresAt: start + 100 * second })
  })
})

describe('cachedProvider without a valid token', () => {
  it('makes callers wait for the exchange', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    let settled = false
    const waiting = provider.getToken().finally(() => (settled = true))
    await flush()
    expect(settled).toBe(false)
    source.last().resolve(tokenFor('one', hour))
    await expect(waiting).resolves.toMatchObject({ token: 'v1.one' })
  })

  it('fails fast with the last error inside the backoff window, without a new exchange', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { random: () => 0.5 })
    const first = provider.getToken()
    const error = new TokenExchangeError('ERR_EXCHANGE_UNAVAILABLE', 'down', { retryable: true })
    source.last().reject(error)
    await expect(first).rejects.toBe(error)
    vi.advanceTimersByTime(second - 1) // the first backoff is 1 s
    await expect(provider.getToken()).rejects.toBe(error)
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
  })

  it('starts a new exchange once the backoff window has passed', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { random: () => 0.5 })
    const first = provider.getToken()
    source.last().reject(new Error('down'))
    await expect(first).rejects.toThrow('down')
    vi.advanceTimersByTime(second)
    const second_ = provider.getToken()
    source.last().resolve(tokenFor('back', hour))
    await expect(second_).resolves.toMatchObject({ token: 'v1.back' })
    expect(source.fetchToken).toHaveBeenCalledTimes(2)
  })

  it('does not retry in the background when there is no token to protect', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken)
    const first = provider.getToken()
    source.last().reject(new Error('down'))
    await expect(first).rejects.toThrow('down')
    vi.advanceTimersByTime(hour)
    expect(source.fetchToken).toHaveBeenCalledTimes(1)
  })

  it('refreshes with reason expired after the cached token has expired', async () => {
    const { source, provider, log } = await warmProvider(100 * second)
    vi.advanceTimersByTime(90 * second)
    source.last().reject(new Error('outage'))
    await flush()
    vi.setSystemTime(start + 2 * minute)
    const waiting = provider.getToken()
    source.last().resolve(tokenFor('second', hour))
    await expect(waiting).resolves.toMatchObject({ token: 'v1.second' })
    expect(log.events.filter((event) => event.type === 'refresh-started').at(-1)).toEqual({
      type: 'refresh-started',
      reason: 'expired',
    })
  })
})

describe('cachedProvider refresh timeout', () => {
  it('gives up on a hung fetchToken after refreshTimeout and aborts its signal', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { refreshTimeout: 5 * second })
    const waiting = provider.getToken()
    vi.advanceTimersByTime(5 * second)
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_REFRESH_TIMEOUT', transient: true })
    expect(source.last().signal.aborted).toBe(true)
  })

  it('counts a given-up exchange as one failure even when it rejects later', async () => {
    const source = controlledSource()
    const log = eventLog()
    const provider = cachedProvider(source.fetchToken, { refreshTimeout: 5 * second, onEvent: log.onEvent })
    const waiting = provider.getToken().catch(() => undefined)
    vi.advanceTimersByTime(5 * second)
    source.last().reject(new Error('aborted'))
    await waiting
    await flush()
    expect(log.events.filter((event) => event.type === 'refresh-failed')).toHaveLength(1)
  })
})
