import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { startEmulator, type Emulator } from '@nebius-auth/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { report, startFleet, type Fleet } from './fleet.test-support.js'

const processes = 8
const requests = 200

// fileStore lives in @nebius-auth/core; its fleet test sits here, beside the Redis one, to share the
// multi-process harness and the emulator.
describe(`a fleet of ${processes} processes sharing fileStore`, () => {
  let folder: string
  let emulator: Emulator
  let fleet: Fleet

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'nebius-auth-fleet-'))
    emulator = await startEmulator({ host: '127.0.0.1' })
    const { serviceAccountId, publicKeyId, privateKeyPem } = emulator.createServiceAccount()
    fleet = await startFleet(processes, {
      store: 'file',
      filePath: join(folder, 'cache', 'tokens.json'),
      endpoint: emulator.exchangeEndpoint,
      account: { serviceAccountId, publicKeyId, privateKey: privateKeyPem },
    })
  })

  afterAll(async () => {
    // Undefined when startup failed; the cleanup must not hide that failure.
    await (fleet as Fleet | undefined)?.close()
    await emulator.close()
    await rm(folder, { recursive: true, force: true })
  })

  it('runs exactly one exchange for every cold getToken of the whole fleet', async () => {
    const results = await fleet.round(requests)
    const exchanges = emulator.stats().exchanges.accepted
    report('file, cold start', fleet, requests, exchanges)
    expect(results.map((result) => result.succeeded)).toEqual(Array(processes).fill(requests))
    expect(new Set(results.flatMap((result) => result.tokens)).size).toBe(1)
    expect(exchanges).toBe(1)
  })

  it('shares one exchange when every process refreshes a rejected token at once', async () => {
    const results = await fleet.round(requests, { reject: true })
    const exchanges = emulator.stats().exchanges.accepted - 1
    report('file, forced refresh', fleet, requests, exchanges)
    expect(results.map((result) => result.succeeded)).toEqual(Array(processes).fill(requests))
    expect(new Set(results.flatMap((result) => result.tokens)).size).toBe(1)
    expect(results.every((result) => result.storeErrors === 0)).toBe(true)
    expect(exchanges).toBe(1)
  })
})
