/**
 * The real Redis clients the store supports, connected the same way, so every store test runs once per
 * client: the newest node-redis 5 and ioredis 5, and the lowest versions the peer ranges claim.
 */
import { Redis } from 'ioredis'
import LowestRedis from 'ioredis-5-0'
import { createClient } from 'redis'
import { createClient as createClient4 } from 'redis-4'
import { createClient as createClient50 } from 'redis-5-0'

import type { RedisCommandClient } from './redis-store.js'

export const redisClientNames = [
  'node-redis 5',
  'node-redis 5.0.0',
  'node-redis 4.7.0',
  'ioredis 5',
  'ioredis 5.0.0',
] as const
export type RedisClientName = (typeof redisClientNames)[number]

/** One per client family, for the slower fleet test; test/fleet-worker.mjs understands these names. */
export const fleetClientNames = ['node-redis 5', 'node-redis 4.7.0', 'ioredis 5'] as const

export interface ConnectedClient {
  readonly client: RedisCommandClient
  /** A plain command on the same connection, for tests that look at what the store wrote. */
  send(...args: string[]): Promise<unknown>
  close(): Promise<void>
}

/** Connects `name` to `url`, reconnecting quickly, with connection errors expected and ignored. */
export async function connectNamedClient(name: RedisClientName, url: string): Promise<ConnectedClient> {
  if (name === 'ioredis 5' || name === 'ioredis 5.0.0') {
    // ioredis as its README starts it: a port or URL, connecting at once, retrying for ever.
    const Client = name === 'ioredis 5' ? Redis : LowestRedis.default
    const client = new Client(url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 })
    client.on('error', () => undefined)
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve)
      client.once('end', () => {
        reject(new Error('ioredis could not connect'))
      })
    })
    return {
      client,
      send: (command, ...args) => client.call(command, ...args),
      close: async () => {
        client.disconnect()
      },
    }
  }
  const options = { url, socket: { reconnectStrategy: () => 50, connectTimeout: 1000 } }
  const client =
    name === 'node-redis 4.7.0'
      ? createClient4(options)
      : name === 'node-redis 5.0.0'
        ? createClient50(options)
        : createClient(options)
  // node-redis emits 'error' for every failed reconnect during an outage; the store reports them itself.
  client.on('error', () => undefined)
  await client.connect()
  return {
    client,
    send: (...args) => client.sendCommand(args),
    close: async () => {
      // node-redis 5 has destroy() (disconnect() is deprecated there); node-redis 4 only disconnect().
      if ('destroy' in client) client.destroy()
      else await client.disconnect().catch(() => undefined)
    },
  }
}
