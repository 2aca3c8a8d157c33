/**
 * Scenario 1: every exchange fault the emulator can inject, through every adapter. Time is virtual (the
 * cache's and the emulator's `now`), so "past the refresh point", "expired" and "after the backoff window"
 * are clock steps, not waits. The one real wait is the slow answer: 3 attempts × a 500 ms attempt timeout.
 */
import { NebiusAuthError, serviceAccount, type NebiusAuthEvent } from '@nebius-auth/core'
import type { Fault } from '@nebius-auth/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { adapterNames, createClient, nebiusErrorIn, type AdapterClient } from './support/clients.js'
import { recordError, recordEvent, recordFigures, recordInspect } from './support/collector.js'
import {
  startExchangeFixture,
  type ExchangeFixture,
  type FixtureProvider,
} from './support/exchange-fixture.js'

interface FaultCase {
  readonly name: string
  readonly fault: Fault
  /** exchangeToken's attempts for one exchange: 3 for retryable failures, 1 for an invalid response. */
  readonly attempts: number
  readonly code: string
}

const tenMegabytes = 10 * 1024 * 1024
const faultCases: readonly FaultCase[] = [
  { name: 'HTTP 500', fault: { status: 500 }, attempts: 3, code: 'ERR_EXCHANGE_UNAVAILABLE' },
  {
    name: 'HTTP 503 with Retry-After',
    fault: { status: 503, retryAfter: 1 },
    attempts: 3,
    code: 'ERR_EXCHANGE_UNAVAILABLE',
  },
  { name: 'HTTP 429', fault: { status: 429 }, attempts: 3, code: 'ERR_EXCHANGE_UNAVAILABLE' },
  {
    name: 'a slow answer past the attempt timeout',
    fault: { delay: 3000 },
    attempts: 3,
    code: 'ERR_EXCHANGE_UNAVAILABLE',
  },
  { name: 'a dropped connection', fault: { drop: true }, attempts: 3, code: 'ERR_EXCHANGE_UNAVAILABLE' },
  {
    name: 'malformed JSON',
    fault: { status: 200, body: '{"access_token": "v1.', contentType: 'application/json' },
    attempts: 1,
    code: 'ERR_EXCHANGE_INVALID_RESPONSE',
  },
  {
    name: 'an HTML error page',
    fault: { status: 502, body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' },
    attempts: 3,
    code: 'ERR_EXCHANGE_UNAVAILABLE',
  },
  {
    name: 'an empty body',
    fault: { status: 200, body: '' },
    attempts: 1,
    code: 'ERR_EXCHANGE_INVALID_RESPONSE',
  },
  {
    name: 'HTTP 200 with fields missing',
    fault: { status: 200, body: '{"token_type":"Bearer"}', contentType: 'application/json' },
    attempts: 1,
    code: 'ERR_EXCHANGE_INVALID_RESPONSE',
  },
  {
    name: 'a 10 MB body',
    fault: { status: 200, body: { size: tenMegabytes } },
    attempts: 1,
    code: 'ERR_EXCHANGE_INVALID_RESPONSE',
  },
]

const tokenTtl = 600 // seconds
const requestsWhileValid = 20
let fixture: ExchangeFixture
let cases = 0

beforeAll(async () => {
  fixture = await startExchangeFixture({ tokenTtl })
})
afterAll(async () => {
  recordFigures('exchange faults', { cases, clock: 'injected virtual clock (cache, signer and emulator)' })
  await fixture.close()
})

/** Resolves with the next refresh-failed event the provider emits. */
function nextFailure(
  events: NebiusAuthEvent[],
): Promise<Extract<NebiusAuthEvent, { type: 'refresh-failed' }>> {
  const seen = events.length
  return expect
    .poll(() => events.slice(seen).find((event) => event.type === 'refresh-failed'), { timeout: 30_000 })
    .toBeDefined()
    .then(() => events.slice(seen).find((event) => event.type === 'refresh-failed') as never)
}

describe.each(faultCases)('an exchange answering $name', (faultCase) => {
  describe.each(adapterNames)('through %s', (adapterName) => {
    const events: NebiusAuthEvent[] = []
    let provider: FixtureProvider
    let client: AdapterClient
    let retryAt = 0
    const figures: Record<string, unknown> = {}

    beforeAll(async () => {
      fixture.emulator.clearFaults()
      provider = fixture.createProvider({ attemptTimeout: 500, onEvent: (event) => events.push(event) })
      client = createClient(adapterName, fixture.emulator.url, provider)
      expect(await client.get('/v1/whoami')).toEqual({ status: 200 })
    })
    afterAll(() => {
      fixture.emulator.clearFaults()
      recordInspect(provider)
      provider.close()
      client.close()
      cases++
      recordFigures(`exchange faults: ${faultCase.name} via ${adapterName}`, figures)
    })

    it('fails no request while the old token is still valid', async () => {
      fixture.clock.advance(tokenTtl * 1000 * 0.95) // past the refresh point, before expiry
      fixture.emulator.fail({ ...faultCase.fault, count: 1000 })
      const before = fixture.exchangeAttempts()
      const failure = nextFailure(events)
      const outcomes = await Promise.all(
        Array.from({ length: requestsWhileValid }, () => client.get('/v1/whoami')),
      )
      retryAt = (await failure).retryAt ?? 0
      figures.failedWhileValid = outcomes.filter(
        (outcome) => !('status' in outcome) || outcome.status !== 200,
      ).length
      figures.backgroundAttempts = fixture.exchangeAttempts() - before
      expect(outcomes).toEqual(Array.from({ length: requestsWhileValid }, () => ({ status: 200 })))
      expect(figures.backgroundAttempts).toBe(faultCase.attempts)
    })

    it('rejects with a typed error after a bounded number of attempts once no valid token is left', async () => {
      fixture.clock.advance(tokenTtl * 1000) // the token has expired, and the backoff window has passed
      const failure = nextFailure(events)
      const before = fixture.exchangeAttempts()
      const outcome = await client.get('/v1/whoami')
      retryAt = (await failure).retryAt ?? 0
      figures.attemptsWithoutToken = fixture.exchangeAttempts() - before
      const error = 'error' in outcome ? outcome.error : undefined
      recordError(error)
      figures.errorCode = nebiusErrorIn(error)?.code
      figures.errorDepth = nebiusErrorIn(error)?.depth
      expect(nebiusErrorIn(error)?.code).toBe(faultCase.code)
      expect(figures.attemptsWithoutToken).toBe(faultCase.attempts)
    })

    it('fails fast without a new attempt inside the backoff window', async () => {
      const before = fixture.exchangeAttempts()
      const outcome = await client.get('/v1/whoami')
      expect(nebiusErrorIn('error' in outcome ? outcome.error : undefined)?.code).toBe(faultCase.code)
      expect(fixture.exchangeAttempts() - before).toBe(0)
    })

    it('recovers on the first request once the fault clears and the backoff window has passed', async () => {
      fixture.emulator.clearFaults()
      fixture.clock.advance(Math.max(retryAt - fixture.clock.now(), 0))
      const before = fixture.exchangeAttempts()
      expect(await client.get('/v1/whoami')).toEqual({ status: 200 })
      figures.recoveryAttempts = fixture.exchangeAttempts() - before
      figures.retryWaitsAsked = provider.sleeps.join(' ')
      expect(figures.recoveryAttempts).toBe(1)
    })
  })
})

describe('serviceAccount with its own defaults (real backoff, 5 s attempt timeout)', () => {
  it('gives up on a persistent HTTP 500 after three attempts with a typed error', async () => {
    fixture.emulator.fail({ status: 500, count: 3 })
    const provider = serviceAccount({
      serviceAccountId: fixture.key.serviceAccountId,
      publicKeyId: fixture.key.publicKeyId,
      privateKey: fixture.privateKeyPem,
      endpoint: fixture.emulator.exchangeEndpoint,
      now: fixture.clock.now,
      onEvent: recordEvent,
    })
    const before = fixture.exchangeAttempts()
    const error: unknown = await provider.getToken().catch((caught: unknown) => caught)
    recordError(error)
    recordInspect(provider)
    provider.close()
    recordFigures('exchange faults: serviceAccount defaults', {
      attempts: fixture.exchangeAttempts() - before,
      realBackoff: '1 s then 1.5 s (±20%) between the three attempts',
      slowAnswerCost: 'a hung endpoint costs 3 × 5 s + backoff ≈ 17.5 s before the typed error',
    })
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXCHANGE_UNAVAILABLE')
    expect(fixture.exchangeAttempts() - before).toBe(3)
  })
})
