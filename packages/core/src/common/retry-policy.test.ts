import { describe, expect, it, vi } from 'vitest'

import { backoffDelay, nextRetry } from './retry-policy.js'

describe('nextRetry', () => {
  it('retries after the backoff of the failures so far: 1 s, then 1.5 s', () => {
    expect(nextRetry(1, undefined, () => 0.5)).toEqual({ retry: true, delay: 1000 })
    expect(nextRetry(2, undefined, () => 0.5)).toEqual({ retry: true, delay: 1500 })
  })

  it('jitters the backoff as backoffDelay does', () => {
    expect(nextRetry(2, undefined, () => 0)).toEqual({ retry: true, delay: backoffDelay(1, () => 0) })
  })

  it('gives up after three attempts without drawing a random number', () => {
    const random = vi.fn(() => 0.5)
    expect(nextRetry(3, undefined, random)).toEqual({ retry: false, tooLong: undefined })
    expect(nextRetry(3, 1000, random)).toEqual({ retry: false, tooLong: undefined })
    expect(random).not.toHaveBeenCalled()
  })

  it('waits what the server asked for instead of the backoff, without drawing a random number', () => {
    const random = vi.fn(() => 0.5)
    expect(nextRetry(1, 2000, random)).toEqual({ retry: true, delay: 2000 })
    expect(nextRetry(2, 0, random)).toEqual({ retry: true, delay: 0 })
    expect(random).not.toHaveBeenCalled()
  })

  it('waits up to ten seconds, and gives up on a longer wait, saying how long it was', () => {
    expect(nextRetry(1, 10_000, Math.random)).toEqual({ retry: true, delay: 10_000 })
    expect(nextRetry(1, 10_001, Math.random)).toEqual({ retry: false, tooLong: 10_001 })
    expect(nextRetry(2, 60_000, Math.random)).toEqual({ retry: false, tooLong: 60_000 })
  })
})
