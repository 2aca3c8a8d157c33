import { vi } from 'vitest'

import type { StoredToken, TokenStore } from './token-store.js'
import type { AccessToken } from '../common/types.js'

/** A shared map plus one lease holder per key: what several caches in one test use as their fleet. */
export interface MemoryStore extends TokenStore {
  readonly tokens: Map<string, StoredToken>
  readonly leases: Set<string>
  get: ReturnType<typeof vi.fn<TokenStore['get']>>
  set: ReturnType<typeof vi.fn<TokenStore['set']>>
  lease: ReturnType<typeof vi.fn<TokenStore['lease']>>
}

/** An in-memory {@link TokenStore} whose methods are spies, so tests can count and break calls. */
export function memoryStore(): MemoryStore {
  const tokens = new Map<string, StoredToken>()
  const leases = new Set<string>()
  return {
    tokens,
    leases,
    get: vi.fn(async (key: string) => tokens.get(key)),
    set: vi.fn(async (key: string, token: AccessToken) => {
      tokens.set(key, { ...token })
    }),
    lease: vi.fn(async (key: string) => {
      if (leases.has(key)) return undefined
      leases.add(key)
      return async () => {
        leases.delete(key)
      }
    }),
  }
}
