/**
 * Federated credentials and impersonation end to end: core's providers against the emulator, which
 * verifies the external JWTs (discovery, JWKS, signature, iss, sub, exp) and impersonation grants for real.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { startEmulator, type Emulator, type OidcIssuer } from '@nebius-auth/emulator'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { TokenExchangeError } from '../common/errors.js'
import type { NebiusAuthEvent } from '../common/events.js'
import { federatedCredentials } from './federated-credentials.js'
import { impersonate } from './impersonate.js'
import { serviceAccount } from './service-account.js'
import { staticToken } from './static-token.js'

const subject = 'system:serviceaccount:ci:deployer'
const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-workload-'))
let emulator: Emulator
let issuer: OidcIssuer
let serviceAccountId: string
const providers: { close(): void }[] = []

beforeAll(async () => {
  emulator = await startEmulator()
  issuer = emulator.oidcIssuer()
  ;({ serviceAccountId } = emulator.addFederatedCredentials({ issuerUrl: issuer.issuerUrl, subject }))
})
afterEach(() => {
  for (const provider of providers.splice(0)) provider.close()
})
afterAll(async () => {
  rmSync(directory, { recursive: true, force: true })
  await emulator.close()
})

function track<T extends { close(): void }>(provider: T): T {
  providers.push(provider)
  return provider
}

async function whoami(token: string): Promise<string> {
  const response = await fetch(`${emulator.url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })
  return ((await response.json()) as { serviceAccountId: string }).serviceAccountId
}

async function rejectionOf(promise: Promise<unknown>): Promise<TokenExchangeError> {
  const error = await promise.catch((caught: unknown) => caught)
  if (!(error instanceof TokenExchangeError)) throw new Error('expected a TokenExchangeError')
  return error
}

/** A service account allowed to impersonate a new target account, as a `serviceAccount` provider. */
function grantedActor(): { actor: ReturnType<typeof serviceAccount>; targetId: string } {
  const actorAccount = emulator.createServiceAccount({ keyBits: 2048 })
  const targetId = emulator.createServiceAccount({ keyBits: 2048 }).serviceAccountId
  emulator.allowImpersonation({ actor: actorAccount.serviceAccountId, serviceAccountId: targetId })
  const actor = track(
    serviceAccount({
      serviceAccountId: actorAccount.serviceAccountId,
      publicKeyId: actorAccount.publicKeyId,
      privateKey: actorAccount.privateKeyPem,
      endpoint: emulator.exchangeEndpoint,
    }),
  )
  return { actor, targetId }
}

describe('federatedCredentials against the emulator', () => {
  it('exchanges a JWT given as a string', async () => {
    const endpoint = emulator.exchangeEndpoint
    const provider = track(
      federatedCredentials({ serviceAccountId, token: issuer.mint({ subject }), endpoint }),
    )
    expect(await whoami((await provider.getToken()).token)).toBe(serviceAccountId)
  })

  it('exchanges a JWT from a function', async () => {
    const provider = track(
      federatedCredentials({
        serviceAccountId,
        token: () => Promise.resolve(issuer.mint({ subject })),
        endpoint: emulator.exchangeEndpoint,
      }),
    )
    expect(await whoami((await provider.getToken()).token)).toBe(serviceAccountId)
  })

  it('uses the new JWT after the token file rotates, with the old one expired', async () => {
    const path = join(directory, 'token')
    writeFileSync(path, issuer.mint({ subject, expiresIn: 600 }))
    const provider = track(
      federatedCredentials({ serviceAccountId, tokenFile: path, endpoint: emulator.exchangeEndpoint }),
    )
    const first = await provider.getToken()
    emulator.revoke(first.token)
    // A rotation the way the kubelet does it: the new file replaces the old one atomically.
    writeFileSync(`${path}.new`, issuer.mint({ subject, expiresIn: 600 }))
    renameSync(`${path}.new`, path)
    const second = await provider.getToken({ rejected: first.token })
    expect(second.token).not.toBe(first.token)
    expect(await whoami(second.token)).toBe(serviceAccountId)
  })

  it.each([
    ['another issuer', () => emulator.oidcIssuer().mint({ subject }), /iss/],
    ['another subject', () => issuer.mint({ subject: 'system:serviceaccount:ci:intruder' }), /sub/],
  ])(
    'reports %s as ERR_EXCHANGE_REJECTED naming the reason, without the JWT',
    async (_name, mint, reason) => {
      const jwt = mint()
      const events: NebiusAuthEvent[] = []
      const provider = track(
        federatedCredentials({
          serviceAccountId,
          token: jwt,
          endpoint: emulator.exchangeEndpoint,
          onEvent: (event) => events.push(event),
        }),
      )
      const error = await rejectionOf(provider.getToken())
      expect(error.code).toBe('ERR_EXCHANGE_REJECTED')
      expect(error.error).toBe('invalid_grant')
      expect(error.errorDescription).toMatch(reason)
      const signature = jwt.split('.')[2] ?? ''
      expect(inspect(error, { depth: 5, showHidden: true })).not.toContain(signature)
      expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-failed'])
      expect(JSON.stringify(events)).not.toContain(signature)
    },
  )

  it('reports a JWT that IAM finds expired as ERR_EXCHANGE_REJECTED, without the JWT', async () => {
    // IAM's clock runs two minutes ahead of this machine's: a JWT with 50 s left here is expired there
    // (the client's own check only refuses JWTs with under 30 s left by its clock).
    const skewed = await startEmulator({ now: () => Date.now() + 120_000 })
    try {
      const skewedIssuer = skewed.oidcIssuer()
      const binding = skewed.addFederatedCredentials({ issuerUrl: skewedIssuer.issuerUrl, subject })
      const jwt = skewedIssuer.mint({ subject, issuedAt: Date.now() - 250_000, expiresIn: 300 })
      const provider = track(
        federatedCredentials({
          serviceAccountId: binding.serviceAccountId,
          token: jwt,
          endpoint: skewed.exchangeEndpoint,
        }),
      )
      const error = await rejectionOf(provider.getToken())
      expect(error.code).toBe('ERR_EXCHANGE_REJECTED')
      expect(error.errorDescription).toBe('actor_token is expired')
      expect(inspect(error, { depth: 5, showHidden: true })).not.toContain(jwt.split('.')[2])
    } finally {
      await skewed.close()
    }
  })

  it('shares one exchange among 1,000 concurrent cold callers', async () => {
    const before = emulator.stats().exchanges.accepted
    const provider = track(
      federatedCredentials({
        serviceAccountId,
        token: () => issuer.mint({ subject }),
        endpoint: emulator.exchangeEndpoint,
      }),
    )
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => provider.getToken()))
    expect(new Set(tokens.map(({ token }) => token)).size).toBe(1)
    expect(emulator.stats().exchanges.accepted - before).toBe(1)
  })
})

describe('impersonate against the emulator', () => {
  it('acts as the target with a service-account actor', async () => {
    const { actor, targetId } = grantedActor()
    const provider = track(
      impersonate({ serviceAccountId: targetId, actor, endpoint: emulator.exchangeEndpoint }),
    )
    expect(await whoami((await provider.getToken()).token)).toBe(targetId)
  })

  it('refreshes a revoked service-account actor once and succeeds', async () => {
    const { actor, targetId } = grantedActor()
    emulator.revoke((await actor.getToken()).token)
    const provider = track(
      impersonate({ serviceAccountId: targetId, actor, endpoint: emulator.exchangeEndpoint }),
    )
    expect(await whoami((await provider.getToken()).token)).toBe(targetId)
  })

  it('acts as the target with a static-token actor, and reports its revocation without retrying', async () => {
    const { actor: source, targetId } = grantedActor()
    const { token: actorToken } = await source.getToken()
    const endpoint = emulator.exchangeEndpoint
    const provider = track(
      impersonate({ serviceAccountId: targetId, actor: staticToken(actorToken), endpoint }),
    )
    expect(await whoami((await provider.getToken()).token)).toBe(targetId)

    emulator.revoke(actorToken)
    const before = emulator.stats().exchanges.rejected
    const again = track(impersonate({ serviceAccountId: targetId, actor: staticToken(actorToken), endpoint }))
    const error = await rejectionOf(again.getToken())
    expect(error.code).toBe('ERR_EXCHANGE_REJECTED')
    expect(emulator.stats().exchanges.rejected - before).toBe(1)
    expect(inspect(error, { depth: 5, showHidden: true })).not.toContain(actorToken.split('.')[2])
  })

  it('shares one exchange among 1,000 concurrent cold callers', async () => {
    const { actor, targetId } = grantedActor()
    const provider = track(
      impersonate({ serviceAccountId: targetId, actor, endpoint: emulator.exchangeEndpoint }),
    )
    const before = emulator.stats().exchanges.accepted
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => provider.getToken()))
    expect(new Set(tokens.map(({ token }) => token)).size).toBe(1)
    // One for the actor's own token, one for the impersonation.
    expect(emulator.stats().exchanges.accepted - before).toBe(2)
  })
})
