import { randomBytes } from 'node:crypto'

import { serviceAccount } from '@nebius-auth/core'
import { startEmulator, type Emulator } from '@nebius-auth/emulator'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { redisStore, type RedisCommandClient } from './redis-store.js'
import { connectNamedClient, redisClientNames, type ConnectedClient } from './redis-clients.test-support.js'
import { redisServerAvailable, startRedisServer, type RedisServer } from './redis-server.test-support.js'

const hour = 3_600_000
const available = redisServerAvailable()
let server: RedisServer
let connected: ConnectedClient
let client: ConnectedClient['client']
let send: ConnectedClient['send']
let key: string

function token(name: string, lifetime = hour): { token: string; expiresAt: number } {
  return { token: `v1.${name}`, expiresAt: Date.now() + lifetime }
}

describe('redisStore options', () => {
  const stub: RedisCommandClient = { sendCommand: async () => null }

  it('throws a TypeError for a value that is not a Redis client', () => {
    expect(() => redisStore({} as never)).toThrow(/client/)
  })

  it.each([
    ['encryptionKey', { encryptionKey: new Uint8Array(16) }],
    ['prefix', { prefix: 5 as never }],
    ['timeout', { timeout: 0 }],
  ])('throws a TypeError naming options.%s when it is invalid', (name, options) => {
    expect(() => redisStore(stub, options)).toThrow(new RegExp(`options\\.${name}`))
  })

  it('rejects with ERR_STORE_TIMEOUT when Redis does not answer in time', async () => {
    const silent: RedisCommandClient = { sendCommand: () => new Promise(() => undefined) }
    await expect(redisStore(silent, { timeout: 10 }).get('key')).rejects.toMatchObject({
      code: 'ERR_STORE_TIMEOUT',
    })
  })
})

describe.skipIf(!available).each(redisClientNames)('redisStore on a real redis-server with %s', (name) => {
  beforeAll(async () => {
    server = await startRedisServer()
    connected = await connectNamedClient(name, server.url)
    ;({ client, send } = connected)
  })

  afterAll(async () => {
    await connected.close()
    await server.stop()
  })

  beforeEach(() => {
    key = `nebius-auth:v1:${randomBytes(8).toString('hex')}`
  })

  it('returns undefined for a key that was never set', async () => {
    await expect(redisStore(client).get(key)).resolves.toBeUndefined()
  })

  it('returns the token it stored, with its obtainedAt', async () => {
    const written = { ...token('one'), obtainedAt: Date.now() }
    await redisStore(client).set(key, written)
    await expect(redisStore(client).get(key)).resolves.toEqual(written)
  })

  it('lets Redis expire the token when the token expires', async () => {
    await redisStore(client).set(key, token('one', 60_000))
    const remaining = Number(await send('PTTL', key))
    expect(remaining).toBeGreaterThan(0)
    expect(remaining).toBeLessThanOrEqual(60_000)
  })

  it('does not store a token that has already expired', async () => {
    await redisStore(client).set(key, { token: 'v1.old', expiresAt: Date.now() - 1 })
    await expect(send('GET', key)).resolves.toBeNull()
  })

  it('puts the prefix before every key', async () => {
    await redisStore(client, { prefix: 'app:' }).set(key, token('one'))
    await expect(send('EXISTS', `app:${key}`)).resolves.toBe(1)
  })

  it('treats a value that is not a token as absent', async () => {
    await send('SET', key, 'not json')
    await expect(redisStore(client).get(key)).resolves.toBeUndefined()
  })
})

describe.skipIf(!available).each(redisClientNames)('redisStore leases with %s', (name) => {
  beforeAll(async () => {
    server = await startRedisServer()
    connected = await connectNamedClient(name, server.url)
    ;({ client, send } = connected)
  })

  afterAll(async () => {
    await connected.close()
    await server.stop()
  })

  beforeEach(() => {
    key = `nebius-auth:v1:${randomBytes(8).toString('hex')}`
  })

  it('gives the lease to one caller at a time', async () => {
    const leases = await Promise.all([
      redisStore(client).lease(key, hour),
      redisStore(client).lease(key, hour),
    ])
    expect(leases.filter((lease) => lease !== undefined)).toHaveLength(1)
  })

  it('gives the lease again once it is released', async () => {
    const release = await redisStore(client).lease(key, hour)
    await release?.()
    await expect(redisStore(client).lease(key, hour)).resolves.toBeTypeOf('function')
  })

  it('sets the lease to expire after its ttl', async () => {
    await redisStore(client).lease(key, 30_000)
    const remaining = Number(await send('PTTL', `${key}:lease`))
    expect(remaining).toBeGreaterThan(0)
    expect(remaining).toBeLessThanOrEqual(30_000)
  })

  it('does not release a lease that ran out and went to another process', async () => {
    const release = await redisStore(client).lease(key, hour)
    await send('SET', `${key}:lease`, 'another-process')
    await release?.()
    await expect(send('GET', `${key}:lease`)).resolves.toBe('another-process')
  })
})

describe.skipIf(!available).each(redisClientNames)('redisStore encryption at rest with %s', (name) => {
  const encryptionKey = randomBytes(32)

  beforeAll(async () => {
    server = await startRedisServer()
    connected = await connectNamedClient(name, server.url)
    ;({ client, send } = connected)
  })

  afterAll(async () => {
    await connected.close()
    await server.stop()
  })

  beforeEach(() => {
    key = `nebius-auth:v1:${randomBytes(8).toString('hex')}`
  })

  it('returns the token it encrypted', async () => {
    await redisStore(client, { encryptionKey }).set(key, token('secret'))
    await expect(redisStore(client, { encryptionKey }).get(key)).resolves.toMatchObject({
      token: 'v1.secret',
    })
  })

  it('never writes the token in clear text', async () => {
    await redisStore(client, { encryptionKey }).set(key, token('secret'))
    expect(String(await send('GET', key))).not.toContain('v1.secret')
  })

  it('uses a new IV for every write', async () => {
    const store = redisStore(client, { encryptionKey })
    const written = token('secret')
    await store.set(key, written)
    const first = await send('GET', key)
    await store.set(key, written)
    expect(await send('GET', key)).not.toBe(first)
  })

  it('treats a value encrypted with another key as absent', async () => {
    await redisStore(client, { encryptionKey: randomBytes(32) }).set(key, token('secret'))
    await expect(redisStore(client, { encryptionKey }).get(key)).resolves.toBeUndefined()
  })

  it('treats a tampered value as absent', async () => {
    await redisStore(client, { encryptionKey }).set(key, token('secret'))
    const value = String(await send('GET', key))
    const last = value.at(-3) === 'A' ? 'B' : 'A'
    await send('SET', key, `${value.slice(0, -3)}${last}${value.slice(-2)}`)
    await expect(redisStore(client, { encryptionKey }).get(key)).resolves.toBeUndefined()
  })

  it('treats a value copied from another key as absent', async () => {
    await redisStore(client, { encryptionKey }).set(key, token('secret'))
    await send('SET', `${key}-copy`, String(await send('GET', key)))
    await expect(redisStore(client, { encryptionKey }).get(`${key}-copy`)).resolves.toBeUndefined()
  })

  it('treats a plain JSON value as absent when a key is configured', async () => {
    await redisStore(client).set(key, token('plain'))
    await expect(redisStore(client, { encryptionKey }).get(key)).resolves.toBeUndefined()
  })
})

describe.skipIf(!available).each(redisClientNames)('serviceAccount with redisStore with %s', (name) => {
  let emulator: Emulator

  beforeAll(async () => {
    server = await startRedisServer()
    connected = await connectNamedClient(name, server.url)
    ;({ client, send } = connected)
    emulator = await startEmulator({ host: '127.0.0.1' })
  })

  afterAll(async () => {
    await connected.close()
    await Promise.all([server.stop(), emulator.close()])
  })

  it('lets two providers share one exchange', async () => {
    const { serviceAccountId, publicKeyId, privateKeyPem } = emulator.createServiceAccount()
    const options = {
      serviceAccountId,
      publicKeyId,
      privateKey: privateKeyPem,
      endpoint: emulator.exchangeEndpoint,
      store: redisStore(client),
    }
    const first = serviceAccount(options)
    const second = serviceAccount(options)
    const tokens = [await first.getToken(), await second.getToken()]
    expect(tokens[1]?.token).toBe(tokens[0]?.token)
    expect(emulator.stats().exchanges.accepted).toBe(1)
    first.close()
    second.close()
  })
})
