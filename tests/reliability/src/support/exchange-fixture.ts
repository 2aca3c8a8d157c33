/**
 * An emulator on a virtual clock plus a provider built the way serviceAccount builds its own (sign, then
 * exchange, inside cachedProvider), but with the knobs serviceAccount does not expose: a short per-attempt
 * `timeout` and an instant `sleep` that records the waits exchangeToken asked for. Everything it issues
 * or signs is registered with the secrets collector.
 */
import { KeyObject } from 'node:crypto'

import { type AccessToken, type TokenProvider } from '@nebius-auth/core'
import {
  cachedProvider,
  exchangeToken,
  importPrivateKey,
  signAssertion,
  type CacheOptions,
  type ServiceAccountKey,
} from '@nebius-auth/core/advanced'
import { startEmulator, type Emulator } from '@nebius-auth/emulator'

import { pemSecrets, recordError, recordEvent, registerSecrets, tokenSecrets } from './collector.js'
import { createVirtualClock, type VirtualClock } from './virtual-clock.js'

export interface ExchangeFixture {
  readonly emulator: Emulator
  readonly clock: VirtualClock
  readonly key: ServiceAccountKey
  readonly privateKeyPem: string
  /** A fresh provider for this fixture's account; close it when done. */
  createProvider(options?: ProviderOptions): FixtureProvider
  /** Exchange requests that reached the emulator so far, faulted or not (counted on arrival). */
  exchangeAttempts(): number
  close(): Promise<void>
}

export interface ProviderOptions extends Pick<CacheOptions, 'onEvent'> {
  /**
   * Milliseconds one exchange attempt may take. Default 30000: on a loaded machine a short timeout would
   * add attempts no fault forced, and the counts would no longer mean what they say.
   */
  attemptTimeout?: number
}

export type FixtureProvider = TokenProvider & {
  close(): void
  /** Waits exchangeToken asked for between attempts, in ms (instant here, but counted). */
  readonly sleeps: number[]
  /** The latest expiry of any token this provider obtained: a valid token exists while now is before it. */
  latestExpiry(): number
}

const exchangePath = '/oauth2/token/exchange'

export async function startExchangeFixture(options: {
  tokenTtl: number
  /** Several fixtures may share one time line. Default: a clock of their own. */
  clock?: VirtualClock
}): Promise<ExchangeFixture> {
  const clock = options.clock ?? createVirtualClock()
  const emulator = await startEmulator({ tokenTtl: options.tokenTtl, now: clock.now })
  const account = emulator.createServiceAccount({ keyBits: 2048 })
  registerSecrets(pemSecrets(account.privateKeyPem))
  const privateKey = await importPrivateKey(account.privateKeyPem)
  if (!(privateKey instanceof KeyObject)) throw new TypeError('expected a node:crypto KeyObject')
  const key = { serviceAccountId: account.serviceAccountId, publicKeyId: account.publicKeyId, privateKey }

  function createProvider(providerOptions: ProviderOptions = {}): FixtureProvider {
    const sleeps: number[] = []
    let latest = 0
    const provider = cachedProvider(
      async (signal): Promise<AccessToken> => {
        const assertion = await signAssertion(key, { now: clock.now() })
        registerSecrets(tokenSecrets(assertion))
        try {
          const token = await exchangeToken(assertion, {
            endpoint: emulator.exchangeEndpoint,
            signal,
            now: clock.now,
            timeout: providerOptions.attemptTimeout ?? 30_000,
            random: () => 0.5,
            sleep: (milliseconds) => {
              sleeps.push(milliseconds)
              return Promise.resolve()
            },
          })
          registerSecrets(tokenSecrets(token.token))
          latest = Math.max(latest, token.expiresAt)
          return token
        } catch (error) {
          recordError(error)
          throw error
        }
      },
      {
        now: clock.now,
        // No jitter, so the backoff window after a failure is known exactly: 1 s × 1.5ⁿ.
        random: () => 0.5,
        onEvent: (event) => {
          recordEvent(event)
          providerOptions.onEvent?.(event)
        },
      },
    )
    return Object.assign(provider, { sleeps, latestExpiry: () => latest })
  }

  return {
    emulator,
    clock,
    key,
    privateKeyPem: account.privateKeyPem,
    createProvider,
    exchangeAttempts: () => emulator.requests().filter((request) => request.path === exchangePath).length,
    close: () => emulator.close(),
  }
}
