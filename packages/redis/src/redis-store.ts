import { randomUUID } from 'node:crypto'

import { NebiusAuthError } from '@nebius-auth/core'
import type { AccessToken, TokenStore } from '@nebius-auth/core'

import { decrypt, encrypt } from './encryption.js'

/**
 * The one thing the store needs from a Redis client: sending a raw command. node-redis (v4, v5) has
 * `sendCommand(args)`, ioredis has `call(command, ...args)`; either shape fits, so the store ties users
 * to no client version (the typed `set` options of the two clients differ, raw commands do not).
 * ioredis also has a `sendCommand`, which takes one of its own `Command` objects, so `call` is looked
 * for first.
 */
export type RedisCommandClient =
  | { sendCommand(args: string[]): Promise<unknown> }
  | { call(command: string, ...args: string[]): Promise<unknown> }

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Put before every key, to keep apart several applications in one database. Default `''`. */
  prefix?: string
  /**
   * A 32-byte key: values are then encrypted with AES-256-GCM (a random 12-byte IV per write, the tag
   * checked on read; a value that does not decrypt counts as absent). Default: none, values are stored
   * as JSON, and anyone who can read the database can use the token.
   */
  encryptionKey?: Uint8Array
  /** How long one command may take before it fails with `ERR_STORE_TIMEOUT`, in ms. Default 1000. */
  timeout?: number
}

// Deletes the lease only while it still holds our fencing value: a lease that ran out and was taken by
// another process is theirs (the pattern from the Redis docs on SET … NX PX).
const releaseScript =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

function validate(client: unknown, options: RedisStoreOptions): void {
  const candidate = client as Partial<Record<'sendCommand' | 'call', unknown>> | null
  if (
    typeof client !== 'object' ||
    candidate === null ||
    (typeof candidate.sendCommand !== 'function' && typeof candidate.call !== 'function')
  ) {
    throw new TypeError('client must be a Redis client with sendCommand (node-redis) or call (ioredis)')
  }
  const { prefix = '', encryptionKey, timeout = 1000 } = options
  if (typeof prefix !== 'string') throw new TypeError('options.prefix must be a string')
  if (
    encryptionKey !== undefined &&
    (!(encryptionKey instanceof Uint8Array) || encryptionKey.length !== 32)
  ) {
    throw new TypeError('options.encryptionKey must be a Uint8Array of 32 bytes')
  }
  if (typeof timeout !== 'number' || !(timeout > 0 && Number.isFinite(timeout))) {
    throw new TypeError('options.timeout must be a positive finite number of milliseconds')
  }
}

/** How to send a raw command with `client`: ioredis's `call` when there is one, else node-redis's `sendCommand`. */
function commandSender(client: RedisCommandClient): (args: string[]) => Promise<unknown> {
  if (typeof (client as Partial<Record<'call', unknown>>).call === 'function') {
    const ioredis = client as { call(command: string, ...args: string[]): Promise<unknown> }
    return (args) => ioredis.call(args[0] ?? '', ...args.slice(1))
  }
  const nodeRedis = client as { sendCommand(args: string[]): Promise<unknown> }
  return (args) => nodeRedis.sendCommand(args)
}

/**
 * A {@link TokenStore} on Redis, so every process of a fleet, on any host, shares one Nebius access
 * token: one exchange per token lifetime for the whole fleet instead of one per process.
 *
 * Tokens are stored with `SET key value PX <ms until expiry>`, so Redis drops them when they expire.
 * The lease is `SET <key>:lease <random fencing value> NX PX <ttl>` and is released by a Lua script
 * only while it still holds that value. Errors and timeouts reject; the provider then exchanges on its
 * own, so a Redis outage costs sharing, never a request.
 *
 * @param client - A connected node-redis 4.7 or 5 client (`createClient()`), or an ioredis 5 client
 *   (`new Redis(url)`).
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { serviceAccount } from '@nebius-auth/core'
 * import { redisStore } from '@nebius-auth/redis'
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const provider = serviceAccount({ credentialsFile, store: redisStore(client) })
 * ```
 */
export function redisStore(client: RedisCommandClient, options: RedisStoreOptions = {}): TokenStore {
  validate(client, options)
  const { prefix = '', encryptionKey, timeout = 1000 } = options
  const send = commandSender(client)

  async function command(args: string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new NebiusAuthError('ERR_STORE_TIMEOUT', `Redis did not answer within ${timeout} ms`))
      }, timeout)
      // The client's socket keeps the process alive while a command is out; this bound must not.
      timer.unref()
    })
    const sent = new Promise<unknown>((resolve) => {
      resolve(send(args))
    })
    try {
      return await Promise.race([sent, expired])
    } finally {
      clearTimeout(timer)
    }
  }

  function decode(value: unknown, redisKey: string): AccessToken | undefined {
    const text =
      typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined
    if (text === undefined) return undefined
    const plaintext = encryptionKey === undefined ? text : decrypt(text, encryptionKey, redisKey)
    if (plaintext === undefined) return undefined
    try {
      const parsed = JSON.parse(plaintext) as Partial<Record<keyof AccessToken | 'obtainedAt', unknown>>
      const { token, expiresAt, obtainedAt } = parsed
      if (typeof token !== 'string' || typeof expiresAt !== 'number' || expiresAt <= Date.now())
        return undefined
      // obtainedAt lets the reading process refresh at the same point as the writer (see TokenStore).
      return typeof obtainedAt === 'number'
        ? ({ token, expiresAt, obtainedAt } as AccessToken)
        : { token, expiresAt }
    } catch {
      return undefined
    }
  }

  return {
    async get(key: string): Promise<AccessToken | undefined> {
      const redisKey = prefix + key
      return decode(await command(['GET', redisKey]), redisKey)
    },
    async set(key: string, token: AccessToken): Promise<void> {
      const lifetime = Math.floor(token.expiresAt - Date.now())
      if (!(lifetime > 0)) return // an expired token is worth nothing to the others
      const { obtainedAt } = token as AccessToken & { obtainedAt?: unknown }
      const redisKey = prefix + key
      const json = JSON.stringify({ token: token.token, expiresAt: token.expiresAt, obtainedAt })
      const value = encryptionKey === undefined ? json : encrypt(json, encryptionKey, redisKey)
      await command(['SET', redisKey, value, 'PX', String(lifetime)])
    },
    async lease(key: string, ttl: number): Promise<(() => Promise<void>) | undefined> {
      const leaseKey = `${prefix}${key}:lease`
      const fence = randomUUID()
      const reply = await command(['SET', leaseKey, fence, 'NX', 'PX', String(Math.max(Math.ceil(ttl), 1))])
      if (reply === null || reply === undefined) return undefined
      return async () => {
        await command(['EVAL', releaseScript, '1', leaseKey, fence])
      }
    },
  }
}
