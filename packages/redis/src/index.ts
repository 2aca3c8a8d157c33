/**
 * @nebius-auth/redis: a Redis token store for @nebius-auth/core, so a whole fleet shares one Nebius
 * access token and runs one exchange per token lifetime.
 *
 * The encryption helpers stay internal on purpose: the value format is the store's own business.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { serviceAccount } from '@nebius-auth/core'
 * import { redisStore } from '@nebius-auth/redis'
 *
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect()
 * const provider = serviceAccount({ credentialsFile: 'credentials.json', store: redisStore(client) })
 * ```
 *
 * @packageDocumentation
 */
export { redisStore } from './redis-store.js'
export type { RedisCommandClient, RedisStoreOptions } from './redis-store.js'
// Re-exported as a type only, so users can type a store without importing core themselves.
export type { TokenStore } from '@nebius-auth/core'
