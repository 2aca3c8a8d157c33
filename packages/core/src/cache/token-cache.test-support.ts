import { vi } from 'vitest'

import type { NebiusAuthEvent } from '../common/events.js'
import type { AccessToken } from '../common/types.js'

/** One pending call of a {@link controlledSource}: the test decides when and how it ends. */
export interface PendingFetch {
  readonly signal: AbortSignal
  resolve(token: unknown): void
  reject(error: unknown): void
}

/**
 * A `fetchToken` whose calls stay pending until the test settles them, so every interleaving of callers,
 * timers and exchanges can be set up exactly.
 */
export function controlledSource(): {
  fetchToken: ReturnType<typeof vi.fn<(signal: AbortSignal) => Promise<AccessToken>>>
  calls: PendingFetch[]
  /** The most recent call; throws if there is none, which is always a broken test. */
  last(): PendingFetch
} {
  const calls: PendingFetch[] = []
  const fetchToken = vi.fn(
    (signal: AbortSignal) =>
      new Promise<AccessToken>((resolve, reject) => {
        calls.push({ signal, resolve, reject })
      }),
  )
  return {
    fetchToken,
    calls,
    last() {
      const call = calls.at(-1)
      if (call === undefined) throw new Error('fetchToken was not called')
      return call
    },
  }
}

/** An access token that expires `lifetime` ms after the current (fake) clock. */
export function tokenFor(name: string, lifetime: number): AccessToken {
  return { token: `v1.${name}`, expiresAt: Date.now() + lifetime }
}

/** Collects events in order. */
export function eventLog(): { events: NebiusAuthEvent[]; onEvent: (event: NebiusAuthEvent) => void } {
  const events: NebiusAuthEvent[] = []
  return {
    events,
    onEvent: (event) => {
      events.push(event)
    },
  }
}

/** Lets pending promise callbacks run without moving the fake clock. */
export async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0)
}

/** The first epoch of every test, far from 0 so that arithmetic slips show. */
export const start = Date.UTC(2025, 0, 1)

export const second = 1000
export const minute = 60 * second
export const hour = 60 * minute
