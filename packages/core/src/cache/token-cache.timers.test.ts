import { afterEach, describe, expect, it, vi } from 'vitest'

import { unrefTimer } from '../common/timers.js'
import { cachedProvider } from './token-cache.js'

afterEach(() => {
  vi.unstubAllGlobals()
})

/** setTimeout as workerd, the edge runtime and browsers have it: the handle is a number, with no unref(). */
function stubNumericTimers(): void {
  const nodeSetTimeout = globalThis.setTimeout
  // Node's clearTimeout accepts the numeric id once the Timeout has been turned into a primitive.
  vi.stubGlobal('setTimeout', (callback: () => void, delay?: number) =>
    Number(nodeSetTimeout(callback, delay)),
  )
}

describe('cachedProvider on runtimes whose timers are numbers', () => {
  it('hands out the first token, and the next one, where setTimeout returns a number', async () => {
    stubNumericTimers()
    let exchanges = 0
    const provider = cachedProvider(
      async () => {
        exchanges += 1
        return { token: `token-${exchanges}`, expiresAt: Date.now() + 60_000 }
      },
      { refreshTimeout: 2_000 },
    )
    try {
      expect((await provider.getToken()).token).toBe('token-1')
      expect((await provider.getToken()).token).toBe('token-1')
      expect(exchanges).toBe(1)
    } finally {
      provider.close()
    }
  })
})

describe('unrefTimer', () => {
  it('unrefs a Node timer', () => {
    const timer = setTimeout(() => undefined, 60_000)
    unrefTimer(timer)
    expect(timer.hasRef()).toBe(false)
    clearTimeout(timer)
  })

  it('ignores a numeric timer handle', () => {
    expect(() => {
      unrefTimer(42)
    }).not.toThrow()
  })
})
