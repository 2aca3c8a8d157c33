import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { backoffDelay } from '../common/retry-policy.js'
import { NebiusAuthError, TokenExchangeError } from '../common/errors.js'
import type { NebiusAuthEvent } from '../common/events.js'
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

type FailedEvent = Extract<NebiusAuthEvent, { type: 'refresh-failed' }>

function failures(events: NebiusAuthEvent[]): FailedEvent[] {
  return events.filter((event): event is FailedEvent => event.type === 'refresh-failed')
}

describe('backoffDelay', () => {
  it('starts at 1 s and grows by 1.5 per attempt', () => {
    const middle = () => 0.5
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, middle))).toEqual([1000, 1500, 2250, 3375])
  })

  it('caps the delay at 60 s before jitter', () => {
    expect(backoffDelay(11, () => 0.5)).toBe(60_000)
    expect(backoffDelay(1000, () => 0.5)).toBe(60_000)
  })

  it('varies the delay by at most 20% either way', () => {
    expect(backoffDelay(0, () => 0)).toBe(800)
    expect(backoffDelay(0, () => 0.999_999)).toBeCloseTo(1200, 2)
    expect(backoffDelay(1000, () => 0)).toBe(48_000)
  })

  it('clamps a random source that leaves [0, 1)', () => {
    expect(backoffDelay(0, () => -5)).toBe(800)
    expect(backoffDelay(0, () => 7)).toBeCloseTo(1200, 6)
    expect(backoffDelay(0, () => Number.NaN)).toBe(1000)
  })
})

describe('cachedProvider background retries', () => {
  it('retries a failed background refresh after 1 s, 1.5 s, 2.25 s … with jitter from options.random', async () => {
    const source = controlledSource()
    const log = eventLog()
    const provider = cachedProvider(source.fetchToken, { onEvent: log.onEvent, random: () => 0 })
    const first = provider.getToken()
    source.last().resolve(tokenFor('first', 10 * hour))
    await first
    vi.advanceTimersByTime(9 * hour)
    const delays: number[] = []
    for (let attempt = 0; attempt < 4; attempt++) {
      const failedAt = Date.now()
      source.last().reject(new Error('outage'))
      await flush()
      delays.push(failures(log.events).at(-1)!.retryAt! - failedAt)
      vi.advanceTimersByTime(delays.at(-1)! - 1)
      expect(source.fetchToken).toHaveBeenCalledTimes(2 + attempt)
      vi.advanceTimersByTime(1)
      expect(source.fetchToken).toHaveBeenCalledTimes(3 + attempt)
    }
    // With random() = 0 every delay is 80% of 1 s × 1.5^attempt.
    expect(delays).toEqual([800, 1200, 1800, 2700])
  })

  it('keeps retrying at most every 72 s for as long as the token is valid', async () => {
    const source = controlledSource()
    // No refresh timeout, so that only the backoff decides when attempts happen.
    const provider = cachedProvider(source.fetchToken, {
      random: () => 0.999_999,
      refreshTimeout: Number.POSITIVE_INFINITY,
    })
    const first = provider.getToken()
    source.last().resolve(tokenFor('first', 100 * hour))
    await first
    vi.advanceTimersByTime(90 * hour)
    for (let attempt = 0; attempt < 30; attempt++) {
      source.last().reject(new Error('outage'))
      await flush()
      vi.advanceTimersByTime(72 * second)
    }
    expect(source.fetchToken).toHaveBeenCalledTimes(32)
  })

  it('stops retrying once the token has expired', async () => {
    const source = controlledSource()
    const provider = cachedProvider(source.fetchToken, { random: () => 0.5 })
    const first = provider.getToken()
    source.last().resolve(tokenFor('first', 100 * second))
    await first
    vi.advanceTimersByTime(90 * second)
    // Retries at 91, 92.5, 94.75 and 98.125 s; the one after would land past expiry at 100 s.
    for (let attempt = 0; attempt < 5; attempt++) {
      source.last().reject(new Error('outage'))
      await flush()
      vi.advanceTimersByTime(1000 * 1.5 ** attempt)
    }
    vi.advanceTimersByTime(hour)
    expect(source.fetchToken).toHaveBeenCalledTimes(6)
    expect(vi.getTimerCount()).toBe(0)
    provider.close()
  })

  it('resets the backoff after a successful refresh', async () => {
    const source = controlledSource()
    const log = eventLog()
    const provider = cachedProvider(source.fetchToken, { onEvent: log.onEvent, random: () => 0.5 })
    const first = provider.getToken()
    source.last().resolve(tokenFor('first', 100 * second))
    await first
    vi.advanceTimersByTime(90 * second)
    source.last().reject(new Error('outage'))
    await flush()
    vi.advanceTimersByTime(second)
    source.last().resolve(tokenFor('second', 100 * second))
    await flush()
    vi.advanceTimersByTime(90 * second)
    source.last().reject(new Error('outage'))
    await flush()
    const [, latest] = failures(log.events)
    expect(latest!.retryAt! - Date.now()).toBe(1000)
  })
})

describe('cachedProvider refresh-failed events', () => {
  it('carry the code of a NebiusAuthError', async () => {
    const log = eventLog()
    const error = new TokenExchangeError('ERR_EXCHANGE_REJECTED', 'refused', {
      status: 400,
      retryable: false,
    })
    const provider = cachedProvider(() => Promise.reject(error), { onEvent: log.onEvent })
    await provider.getToken().catch(() => undefined)
    expect(failures(log.events)[0]).toMatchObject({ code: 'ERR_EXCHANGE_REJECTED' })
  })

  it('carry ERR_UNKNOWN for any other error', async () => {
    const log = eventLog()
    const provider = cachedProvider(() => Promise.reject(new RangeError('odd')), { onEvent: log.onEvent })
    await provider.getToken().catch(() => undefined)
    expect(failures(log.events)[0]).toMatchObject({ code: 'ERR_UNKNOWN' })
  })

  it('carry the duration and when the next attempt is allowed', async () => {
    const source = controlledSource()
    const log = eventLog()
    const provider = cachedProvider(source.fetchToken, { onEvent: log.onEvent, random: () => 0.5 })
    const first = provider.getToken().catch(() => undefined)
    vi.advanceTimersByTime(250)
    source.last().reject(new NebiusAuthError('ERR_EXCHANGE_UNAVAILABLE', 'down'))
    await first
    expect(failures(log.events)).toEqual([
      { type: 'refresh-failed', code: 'ERR_EXCHANGE_UNAVAILABLE', duration: 250, retryAt: start + 1250 },
    ])
  })
})

describe('cachedProvider refresh-started and refresh-succeeded events', () => {
  it('report the initial fetch with its expiry and duration', async () => {
    const source = controlledSource()
    const log = eventLog()
    const provider = cachedProvider(source.fetchToken, { onEvent: log.onEvent })
    const first = provider.getToken()
    vi.advanceTimersByTime(120)
    source.last().resolve({ token: 'v1.one', expiresAt: start + hour })
    await first
    expect(log.events).toEqual([
      { type: 'refresh-started', reason: 'initial' },
      { type: 'refresh-succeeded', expiresAt: start + hour, duration: 120 },
    ])
  })

  it('survive a listener that throws', async () => {
    const provider = cachedProvider(async () => tokenFor('one', hour), {
      onEvent: () => {
        throw new Error('listener bug')
      },
    })
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.one' })
  })
})
