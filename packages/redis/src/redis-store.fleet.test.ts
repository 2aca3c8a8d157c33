import { startEmulator, type Emulator } from '@nebius-auth/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { report, startFleet, type Fleet } from './fleet.test-support.js'
import { fleetClientNames } from './redis-clients.test-support.js'
import { redisServerAvailable, startRedisServer, type RedisServer } from './redis-server.test-support.js'

const processes = 8
const requests = 200
const available = redisServerAvailable()

// The rounds build on each other (cold start, outage, recovery), so they run in order on one fleet.
describe.skipIf(!available).each(fleetClientNames)(
  `a fleet of ${processes} processes sharing redisStore through %s`,
  (client) => {
    let redis: RedisServer
    let emulator: Emulator
    let fleet: Fleet

    beforeAll(async () => {
      ;[redis, emulator] = await Promise.all([startRedisServer(), startEmulator({ host: '127.0.0.1' })])
      const { serviceAccountId, publicKeyId, privateKeyPem } = emulator.createServiceAccount()
      fleet = await startFleet(processes, {
        store: 'redis',
        client,
        redisUrl: redis.url,
        endpoint: emulator.exchangeEndpoint,
        account: { serviceAccountId, publicKeyId, privateKey: privateKeyPem },
      })
    })

    afterAll(async () => {
      // Undefined when startup failed; the cleanup must not hide that failure.
      await (fleet as Fleet | undefined)?.close()
      await Promise.all([redis.stop(), emulator.close()])
    })

    it('runs exactly one exchange for every cold getToken of the whole fleet', async () => {
      const results = await fleet.round(requests)
      const exchanges = emulator.stats().exchanges.accepted
      report(`redis (${client}), cold start`, fleet, requests, exchanges)
      expect(results.map((result) => result.succeeded)).toEqual(Array(processes).fill(requests))
      expect(new Set(results.flatMap((result) => result.tokens)).size).toBe(1)
      expect(exchanges).toBe(1)
    })

    it('still answers every request with Redis stopped, each process exchanging for itself', async () => {
      await redis.stop()
      const results = await fleet.round(requests, { reject: true })
      const exchanges = emulator.stats().exchanges.accepted - 1
      report(`redis (${client}) stopped, forced refresh`, fleet, requests, exchanges)
      expect(results.map((result) => result.succeeded)).toEqual(Array(processes).fill(requests))
      expect(results.every((result) => result.storeErrors > 0)).toBe(true)
      expect(exchanges).toBe(processes)
    })

    it('shares one exchange again once Redis is back', async () => {
      await redis.start()
      await fleet.reconnected()
      const before = emulator.stats().exchanges.accepted
      const results = await fleet.round(requests, { reject: true })
      const exchanges = emulator.stats().exchanges.accepted - before
      report(`redis (${client}) back, forced refresh`, fleet, requests, exchanges)
      expect(results.map((result) => result.succeeded)).toEqual(Array(processes).fill(requests))
      expect(new Set(results.flatMap((result) => result.tokens)).size).toBe(1)
      expect(exchanges).toBe(1)
    })
  },
)
