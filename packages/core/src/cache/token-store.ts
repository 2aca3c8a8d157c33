import { isBearerToken } from '../common/token-format.js'
import type { AccessToken } from '../common/types.js'

/**
 * A place that several processes read and write, so a fleet shares one token instead of each process
 * running its own exchange. `fileStore` (one host) and `redisStore` from `@nebius-auth/redis` implement
 * it; any other shared storage can too.
 *
 * A token the cache writes may carry an extra `obtainedAt` field (epoch ms, read before its exchange
 * was sent). A store that keeps it lets every process schedule its refresh at the same point of the
 * token's lifetime; a store that drops it still works, only with less precise refresh points.
 *
 * Every method may throw or hang: the cache bounds each call (`storeTimeout`) and falls back to its own
 * exchange, so a broken store costs sharing, never a request.
 *
 * @example
 * ```ts
 * const memory = new Map<string, AccessToken>()
 * const store: TokenStore = {
 *   get: async (key) => memory.get(key),
 *   set: async (key, token) => void memory.set(key, token),
 *   lease: async () => async () => undefined, // a single process always gets the lease
 * }
 * const provider = serviceAccount({ credentialsFile, store })
 * ```
 */
export interface TokenStore {
  /** The token stored under `key`, or undefined when there is none or it has expired. */
  get(key: string): Promise<AccessToken | undefined>
  /** Stores `token` under `key` until its `expiresAt`, replacing what was there. */
  set(key: string, token: AccessToken): Promise<void>
  /** Try to become the one refresher for `key` for `ttl` ms: a release function, or undefined if another holds it. */
  lease(key: string, ttl: number): Promise<(() => Promise<void>) | undefined>
}

/** A token as the cache shares it: with the time its exchange started, when known. */
export interface StoredToken extends AccessToken {
  /** Epoch ms read before the exchange was sent; the lifetime the refresh point is computed from. */
  readonly obtainedAt?: number
}

/** Every key the library derives starts with this, so a shared Redis database can hold other data too. */
export const storeKeyPrefix = 'nebius-auth:v1:'

/**
 * The store key of a service account's tokens. It is a SHA-256 digest of public identifiers only (the
 * endpoint, the service account ID and the public key ID), never of key material, so it is safe to log,
 * and two keys of one account never share tokens by accident.
 *
 * @example
 * ```ts
 * await serviceAccountStoreKey('https://auth.eu.nebius.com/oauth2/token/exchange', 'serviceaccount-e00a', 'publickey-e00b')
 * // 'nebius-auth:v1:3f…' (64 hex digits)
 * ```
 */
export async function serviceAccountStoreKey(
  endpoint: string,
  serviceAccountId: string,
  publicKeyId: string,
): Promise<string> {
  // JSON keeps the three fields apart, so no two different triples can produce the same input.
  const input = new TextEncoder().encode(JSON.stringify([endpoint, serviceAccountId, publicKeyId]))
  // WebCrypto's digest: the same on Node, Bun, Deno, workerd and the edge runtime.
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input))
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${storeKeyPrefix}${hex}`
}

/**
 * Checks a value read from a store, which may have been written by another version or be damaged, and
 * returns a clean frozen copy, or undefined when it cannot be a usable token at `time`.
 *
 * @example
 * ```ts
 * readStoredToken(JSON.parse(text), Date.now()) // StoredToken | undefined
 * ```
 */
export function readStoredToken(value: unknown, time: number): StoredToken | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { token, expiresAt, obtainedAt } = value as Record<string, unknown>
  if (!isBearerToken(token)) return undefined
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt <= time) return undefined
  const validObtainedAt =
    typeof obtainedAt === 'number' && Number.isFinite(obtainedAt) && obtainedAt < expiresAt
  return Object.freeze(validObtainedAt ? { token, expiresAt, obtainedAt } : { token, expiresAt })
}
