/**
 * Scenario 6: concurrency. Cold callers share one exchange; concurrent 401s for one token share one
 * refresh; and a provider shared by all four adapters at once behaves the same.
 */
import { serviceAccount } from '@nebius-auth/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { adapterNames, createClient, type Outcome } from './support/clients.js'
import {
  recordEvent,
  recordFigures,
  recordInspect,
  registerSecrets,
  tokenSecrets,
} from './support/collector.js'
import { startExchangeFixture, type ExchangeFixture } from './support/exchange-fixture.js'

let fixture: ExchangeFixture
const figures: Record<string, number> = {}
beforeAll(async () => {
  fixture = await startExchangeFixture({ tokenTtl: 3600 })
})
afterAll(async () => {
  recordFigures('concurrency', figures)
  await fixture.close()
})

function statuses(outcomes: readonly Outcome[]): number[] {
  return outcomes.map((outcome) => ('status' in outcome ? outcome.status : 0))
}

function serviceAccountProvider(): ReturnType<typeof serviceAccount> {
  return serviceAccount({
    serviceAccountId: fixture.key.serviceAccountId,
    publicKeyId: fixture.key.publicKeyId,
    privateKey: fixture.privateKeyPem,
    endpoint: fixture.emulator.exchangeEndpoint,
    now: fixture.clock.now,
    onEvent: recordEvent,
  })
}

describe('a cold serviceAccount provider', () => {
  it('serves 10,000 concurrent cold callers with one exchange', async () => {
    const provider = serviceAccountProvider()
    const before = fixture.exchangeAttempts()
    const tokens = await Promise.all(Array.from({ length: 10_000 }, () => provider.getToken()))
    figures.coldCallers = tokens.length
    figures.coldCallerExchanges = fixture.exchangeAttempts() - before
    registerSecrets(tokenSecrets(tokens[0]!.token))
    expect(new Set(tokens.map((token) => token.token)).size).toBe(1)
    expect(figures.coldCallerExchanges).toBe(1)
    recordInspect(provider)
    provider.close()
  })

  it('refreshes once for 1,000 concurrent rejections of the same token', async () => {
    const provider = serviceAccountProvider()
    const { token } = await provider.getToken()
    const before = fixture.exchangeAttempts()
    const fresh = await Promise.all(
      Array.from({ length: 1000 }, () => provider.getToken({ rejected: token })),
    )
    figures.rejectionsOfOneToken = fresh.length
    figures.rejectionExchanges = fixture.exchangeAttempts() - before
    expect(new Set(fresh.map((value) => value.token))).toEqual(new Set([fresh[0]!.token]))
    expect(fresh[0]!.token).not.toBe(token)
    expect(figures.rejectionExchanges).toBe(1)
    provider.close()
  })
})

describe.each(adapterNames)('through %s', (adapter) => {
  it('sends 1,000 concurrent requests that all meet a revoked token with one refresh', async () => {
    let refreshes = 0
    const provider = fixture.createProvider({
      onEvent: (event) => {
        if (event.type === 'refresh-started') refreshes++
      },
    })
    const client = createClient(adapter, fixture.emulator.url, provider)
    expect(await client.get('/v1/whoami')).toEqual({ status: 200 })
    fixture.emulator.revoke()
    const [attemptsBefore, refreshesBefore] = [fixture.exchangeAttempts(), refreshes]
    const issuedBefore = fixture.emulator.stats().exchanges.accepted
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => client.get('/v1/whoami')))
    // One exchange is one fetchToken call; its HTTP attempts are counted apart, since exchangeToken may
    // retry a connection the loaded machine dropped (the waits it asked for say so).
    figures[`${adapter}: refreshes for 1,000 concurrent 401s`] = refreshes - refreshesBefore
    figures[`${adapter}: tokens issued for them`] = fixture.emulator.stats().exchanges.accepted - issuedBefore
    figures[`${adapter}: HTTP attempts for them`] = fixture.exchangeAttempts() - attemptsBefore
    figures[`${adapter}: transport retries`] = provider.sleeps.length
    expect(statuses(outcomes)).toEqual(Array.from({ length: 1000 }, () => 200))
    expect(refreshes - refreshesBefore).toBe(1)
    expect(fixture.emulator.stats().exchanges.accepted - issuedBefore).toBe(1)
    provider.close()
    client.close()
  })
})

describe('one provider shared by all four adapters at once', () => {
  it('makes one exchange for 250 cold requests per adapter and one refresh after a revocation', async () => {
    const provider = fixture.createProvider()
    const clients = adapterNames.map((adapter) => createClient(adapter, fixture.emulator.url, provider))
    const burst = (): Promise<Outcome[]> =>
      Promise.all(clients.flatMap((client) => Array.from({ length: 250 }, () => client.get('/v1/whoami'))))
    const coldBefore = fixture.exchangeAttempts()
    const cold = await burst()
    const coldExchanges = fixture.exchangeAttempts() - coldBefore
    fixture.emulator.revoke()
    const revokedBefore = fixture.exchangeAttempts()
    const afterRevocation = await burst()
    figures.sharedProviderColdExchanges = coldExchanges
    figures.sharedProviderRevocationExchanges = fixture.exchangeAttempts() - revokedBefore
    expect(statuses([...cold, ...afterRevocation]).every((status) => status === 200)).toBe(true)
    expect([coldExchanges, figures.sharedProviderRevocationExchanges]).toEqual([1, 1])
    provider.close()
    for (const client of clients) client.close()
  })
})
