/**
 * The secret scan for workload identity: external OIDC JWTs (federated credentials) and actor access
 * tokens (impersonation) are secrets like assertions. Every failure the emulator can produce for them,
 * and servers that echo them back in JSON, HTML and 5xx bodies, must leave them out of every error,
 * event, NODE_DEBUG line and printed provider; the collector scans all of it when the file ends.
 */
import {
  federatedCredentials,
  impersonate,
  serviceAccount,
  staticToken,
  type NebiusAuthEvent,
  type TokenProvider,
} from '@nebius-auth/core'
import { startEmulator, type Emulator, type Fault, type OidcIssuer } from '@nebius-auth/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  recordError,
  recordEvent,
  recordFigures,
  recordInspect,
  registerSecrets,
  tokenSecrets,
} from './support/collector.js'

const subject = 'repo:acme/app:ref:refs/heads/main'
let emulator: Emulator
let issuer: OidcIssuer
let serviceAccountId: string
const tally = { scenarios: 0, failures: 0 }

beforeAll(async () => {
  emulator = await startEmulator()
  issuer = emulator.oidcIssuer()
  ;({ serviceAccountId } = emulator.addFederatedCredentials({ issuerUrl: issuer.issuerUrl, subject }))
})
afterAll(async () => {
  recordFigures('secret scan: external JWTs and actor tokens', tally)
  await emulator.close()
})

/** Registers a secret token's parts with the collector and hands the token back. */
function secret(token: string): string {
  registerSecrets(tokenSecrets(token))
  return token
}

/** Runs one getToken with events recorded; records the outcome, the error and the printed provider. */
async function scenario(
  make: (onEvent: (event: NebiusAuthEvent) => void) => TokenProvider & { close(): void },
) {
  tally.scenarios++
  const provider = make((event) => {
    recordEvent(event)
  })
  recordInspect(provider)
  try {
    const token = await provider.getToken()
    registerSecrets(tokenSecrets(token.token))
    recordInspect(token)
  } catch (error) {
    tally.failures++
    recordError(error)
  } finally {
    provider.close()
  }
}

/** Faults whose bodies repeat `token` the ways a confused server or proxy might. */
function echoingFaults(token: string): Fault[] {
  return [
    {
      status: 400,
      body: JSON.stringify({ error: 'invalid_grant', error_description: `bad actor ${token}` }),
    },
    {
      status: 400,
      body: JSON.stringify({ error: token, error_description: token.slice(token.lastIndexOf('.') + 1) }),
    },
    { status: 502, body: `<html><body>upstream refused ${token}</body></html>`, contentType: 'text/html' },
    {
      status: 200,
      body: JSON.stringify({
        access_token: 'v1.x.y',
        token_type: 'Bearer',
        expires_in: 3600,
        issued_token_type: token,
      }),
    },
    { status: 503, body: token, count: 3 },
  ]
}

describe('federated credentials keep the external JWT secret', () => {
  it('through rejections by IAM', async () => {
    const cases = [
      secret(issuer.mint({ subject })),
      secret(emulator.oidcIssuer().mint({ subject })),
      secret(issuer.mint({ subject: 'repo:acme/app:pull_request' })),
      secret(issuer.mint({ subject, expiresIn: -60 })),
      secret(`${issuer.mint({ subject }).split('.').slice(0, 2).join('.')}.`),
    ]
    for (const token of cases) {
      await scenario((onEvent) =>
        federatedCredentials({ serviceAccountId, token, endpoint: emulator.exchangeEndpoint, onEvent }),
      )
    }
    expect(tally.failures).toBe(cases.length - 1)
  })

  it('through servers that echo it back', async () => {
    const token = secret(issuer.mint({ subject }))
    for (const fault of echoingFaults(token)) {
      emulator.fail(fault)
      await scenario((onEvent) =>
        federatedCredentials({
          serviceAccountId,
          token: () => token,
          endpoint: emulator.exchangeEndpoint,
          onEvent,
          cache: { random: () => 0 },
        }),
      )
      emulator.clearFaults()
    }
  })
})

describe('impersonation keeps the actor token secret', () => {
  it('through rejections, revocations and servers that echo it back', async () => {
    const actorAccount = emulator.createServiceAccount({ keyBits: 2048 })
    const target = emulator.createServiceAccount({ keyBits: 2048 })
    const source = serviceAccount({
      serviceAccountId: actorAccount.serviceAccountId,
      publicKeyId: actorAccount.publicKeyId,
      privateKey: actorAccount.privateKeyPem,
      endpoint: emulator.exchangeEndpoint,
    })
    const actorToken = secret((await source.getToken()).token)
    const endpoint = emulator.exchangeEndpoint
    const serviceAccountIdOfTarget = target.serviceAccountId
    // Not allowed yet: rejected.
    await scenario((onEvent) =>
      impersonate({
        serviceAccountId: serviceAccountIdOfTarget,
        actor: staticToken(actorToken),
        endpoint,
        onEvent,
      }),
    )
    emulator.allowImpersonation({
      actor: actorAccount.serviceAccountId,
      serviceAccountId: serviceAccountIdOfTarget,
    })
    for (const fault of echoingFaults(actorToken)) {
      emulator.fail(fault)
      await scenario((onEvent) =>
        impersonate({
          serviceAccountId: serviceAccountIdOfTarget,
          actor: staticToken(actorToken),
          endpoint,
          onEvent,
          cache: { random: () => 0 },
        }),
      )
      emulator.clearFaults()
    }
    // A revoked actor: the static one fails, the refreshing one recovers through one actor refresh.
    emulator.revoke(actorToken)
    await scenario((onEvent) =>
      impersonate({
        serviceAccountId: serviceAccountIdOfTarget,
        actor: staticToken(actorToken),
        endpoint,
        onEvent,
      }),
    )
    await scenario((onEvent) =>
      impersonate({ serviceAccountId: serviceAccountIdOfTarget, actor: source, endpoint, onEvent }),
    )
    source.close()
  })
})
