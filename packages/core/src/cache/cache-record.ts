import type { NebiusAuthEvent } from '../common/events.js'
import type { ResolvedCacheOptions } from './cache-options.js'
import { wakeAt, type CacheState } from './cache-state.js'
import type { RefreshTimer } from './refresh-timer.js'
import type { Waiters } from './single-flight.js'
import type { AccessToken } from '../common/types.js'

// What one cached provider keeps, shared by the provider's calls (token-cache.ts) and its flights
// (flights.ts). Its state machine is `state`, with the transitions of cache-state.ts.

export type RefreshReason = Extract<NebiusAuthEvent, { type: 'refresh-started' }>['reason']
export type TokenSource = (signal: AbortSignal) => Promise<AccessToken>

/** All one cached provider keeps: `state` is its state machine (cache-state.ts), the rest serves it. */
export interface Cache {
  readonly options: ResolvedCacheOptions
  /** Sends an event; every event says which provider sent it, when it has a name. */
  readonly emit: (event: NebiusAuthEvent) => void
  /** `fetchToken`, or with a store, `fetchToken` behind the store's read, lease and write-back. */
  readonly source: TokenSource
  /** Whether `source` goes through a store, whose tokens say when their own exchange started. */
  readonly shared: boolean
  readonly timer: RefreshTimer
  readonly waiters: Waiters
  /** Tokens refused by the server, with their expiry, so a source returning one again is not believed. */
  readonly rejectedTokens: Map<string, number>
  state: CacheState
  /** Flights started so far: the generation of the latest. */
  flights: number
  /** The generation of the flight whose token was taken last; 0 before the first token. */
  installed: number
  /** Whether the current failure was reported as `stale-token-served` already: once per failed attempt. */
  staleReported: boolean
}

/** Enters `next` and sets the refresh timer to what that state waits for. */
export function enter(cache: Cache, next: CacheState): void {
  cache.state = next
  const at = wakeAt(next)
  if (at === undefined) cache.timer.clear()
  else cache.timer.set(at)
}
