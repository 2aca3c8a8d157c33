/**
 * Scenario 2: a soak over many token lifetimes with random exchange faults, all four adapters at once on
 * one virtual clock (each with its own emulator, so each adapter's exchanges are counted apart). Every
 * request is real HTTP to the emulator's protected API; time moves one virtual second per batch.
 */
import type { Fault } from '@nebius-auth/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  adapterNames,
  createClient,
  nebiusErrorIn,
  type AdapterClient,
  type AdapterName,
} from './support/clients.js'
import { recordError, recordFigures, recordInspect } from './support/collector.js'
import {
  startExchangeFixture,
  type ExchangeFixture,
  type FixtureProvider,
} from './support/exchange-fixture.js'
import { seededRandom } from './support/random.js'
import { soakRequestsPerAdapter, timeoutFor } from './support/scale.js'
import { createVirtualClock } from './support/virtual-clock.js'

const tokenTtl = 30 // seconds: a lifetime is 30 ticks, refreshed at 27 (the 90% rule)
const refreshRatio = 0.9
const tickMilliseconds = 1000
const requestsPerTick = 20 // per adapter, sent concurrently
const faultChancePerTick = 0.02
const seed = 20_240_611

const faultKinds: readonly Fault[] = [
  { status: 500 },
  { status: 503, retryAfter: 1 },
  { status: 429 },
  { drop: true },
  { status: 200, body: '{"access_token": "v1.', contentType: 'application/json' },
  { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' },
  { status: 200, body: '' },
  { status: 200, body: '{"token_type":"Bearer"}', contentType: 'application/json' },
]

interface Lane {
  readonly name: AdapterName
  readonly fixture: ExchangeFixture
  readonly provider: FixtureProvider
  readonly client: AdapterClient
  readonly tally: {
    succeeded: number
    failedWhileValid: number
    failedWithoutToken: number
    untypedErrors: number
    faultsInjected: number
  }
}

const clock = createVirtualClock()
const random = seededRandom(seed)
const lanes: Lane[] = []
const ticks = Math.ceil(soakRequestsPerAdapter / requestsPerTick)

beforeAll(async () => {
  for (const name of adapterNames) {
    const fixture = await startExchangeFixture({ tokenTtl, clock })
    const provider = fixture.createProvider()
    const client = createClient(name, fixture.emulator.url, provider)
    const tally = {
      succeeded: 0,
      failedWhileValid: 0,
      failedWithoutToken: 0,
      untypedErrors: 0,
      faultsInjected: 0,
    }
    lanes.push({ name, fixture, provider, client, tally })
  }
})
afterAll(async () => {
  for (const lane of lanes) {
    recordInspect(lane.provider)
    lane.provider.close()
    lane.client.close()
    await lane.fixture.close()
  }
})

function maybeInjectFault(lane: Lane): void {
  if (random() >= faultChancePerTick) return
  const fault = faultKinds[Math.floor(random() * faultKinds.length)] ?? { status: 500 }
  const count = 1 + Math.floor(random() * 4)
  lane.fixture.emulator.fail({ ...fault, count })
  lane.tally.faultsInjected += count
}

async function runTick(lane: Lane): Promise<void> {
  // The clock stands still during a batch, so "a valid token existed" is decided once, before it is sent.
  const validTokenExisted = lane.provider.latestExpiry() > clock.now()
  const outcomes = await Promise.all(
    Array.from({ length: requestsPerTick }, () => lane.client.get('/v1/whoami')),
  )
  for (const outcome of outcomes) {
    if ('status' in outcome && outcome.status === 200) {
      lane.tally.succeeded++
      continue
    }
    if (validTokenExisted) lane.tally.failedWhileValid++
    else lane.tally.failedWithoutToken++
    const error = 'error' in outcome ? outcome.error : undefined
    if (nebiusErrorIn(error) === undefined) lane.tally.untypedErrors++
    else if (lane.tally.failedWithoutToken % 50 === 1) recordError(error)
  }
}

describe(`a soak of ${soakRequestsPerAdapter} requests per adapter over ${ticks} virtual seconds`, () => {
  beforeAll(
    async () => {
      for (let tick = 0; tick < ticks; tick++) {
        for (const lane of lanes) maybeInjectFault(lane)
        await Promise.all(lanes.map(runTick))
        clock.advance(tickMilliseconds)
      }
      const span = (ticks * tickMilliseconds) / 1000
      const lifetimes = Math.floor(span / (tokenTtl * refreshRatio)) + 1
      for (const lane of lanes) {
        const { accepted, rejected, failed } = lane.fixture.emulator.stats().exchanges
        recordFigures(`soak via ${lane.name}`, {
          requests: ticks * requestsPerTick,
          virtualSeconds: span,
          tokenTtlSeconds: tokenTtl,
          lifetimes,
          exchangeAttempts: accepted + rejected + failed,
          exchangesAccepted: accepted,
          exchangesRejected: rejected,
          attemptsFaulted: failed,
          ...lane.tally,
          seed,
        })
      }
    },
    timeoutFor(soakRequestsPerAdapter * adapterNames.length, 600_000),
  )

  it.each(adapterNames)('fails no request through %s while a valid token existed', (name) => {
    const lane = lanes.find((candidate) => candidate.name === name)!
    expect(lane.tally.failedWhileValid).toBe(0)
    expect(lane.tally.succeeded).toBeGreaterThan(0)
  })

  it.each(adapterNames)('surfaces every failure through %s as a NebiusAuthError', (name) => {
    expect(lanes.find((candidate) => candidate.name === name)!.tally.untypedErrors).toBe(0)
  })

  it.each(adapterNames)(
    'exchanges through %s no more often than once per lifetime plus the attempts faults forced',
    (name) => {
      const lane = lanes.find((candidate) => candidate.name === name)!
      const { accepted, rejected, failed } = lane.fixture.emulator.stats().exchanges
      const lifetimes = Math.floor((ticks * tickMilliseconds) / (tokenTtl * 1000 * refreshRatio)) + 1
      expect(rejected).toBe(0)
      expect(accepted).toBeLessThanOrEqual(lifetimes)
      expect(accepted + rejected + failed).toBeLessThanOrEqual(lifetimes + failed)
    },
  )
})
