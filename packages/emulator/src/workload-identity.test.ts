import { generateKeyPairSync, sign } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  ACCESS_TOKEN_TYPE,
  JWT_TOKEN_TYPE,
  exchange,
  exchangeForm,
  postExchange,
  unsigned,
} from './jwt.test-support.js'
import { startEmulator } from './server.js'
import type { Emulator, OidcIssuer } from './types.js'

const SUBJECT_IDENTIFIER = 'urn:nebius:params:oauth:token-type:subject_identifier'
const SUBJECT = 'repo:acme/app:ref:refs/heads/main'

let emulator: Emulator
let issuer: OidcIssuer
let serviceAccountId: string

beforeAll(async () => {
  emulator = await startEmulator()
  issuer = emulator.oidcIssuer()
  ;({ serviceAccountId } = emulator.addFederatedCredentials({
    issuerUrl: issuer.issuerUrl,
    subject: SUBJECT,
  }))
})
afterAll(() => emulator.close())

function actorForm(subject: string, actorToken: string, actorTokenType = JWT_TOKEN_TYPE): string {
  return exchangeForm(subject, {
    subject_token_type: SUBJECT_IDENTIFIER,
    actor_token: actorToken,
    actor_token_type: actorTokenType,
  })
}

/** Posts the form; resolves to the access token, or to `error: description` for a refusal. */
async function post(body: string): Promise<{ status: number; token?: string; refusal?: string }> {
  const response = await postExchange(emulator.exchangeEndpoint, body)
  const json = (await response.json()) as {
    access_token?: string
    error?: string
    error_description?: string
  }
  return json.access_token === undefined
    ? { status: response.status, refusal: `${json.error ?? ''}: ${json.error_description ?? ''}` }
    : { status: response.status, token: json.access_token }
}

async function whoami(token: string): Promise<unknown> {
  const response = await fetch(`${emulator.url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })
  return response.json()
}

describe('the OIDC issuer', () => {
  it('serves discovery and a JWKS that name it', async () => {
    const discovery = (await (
      await fetch(`${issuer.issuerUrl}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>
    expect(discovery.issuer).toBe(issuer.issuerUrl)
    expect(discovery.jwks_uri).toBe(issuer.jwksUri)
    const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: { kty: string; d?: string }[] }
    expect(jwks.keys.map((key) => key.kty)).toEqual(['RSA'])
    expect(jwks.keys[0]?.d).toBeUndefined()
  })
})

describe('federated credentials', () => {
  it("issues the service account's token for a JWT of its issuer and subject", async () => {
    const result = await post(
      actorForm(serviceAccountId, issuer.mint({ subject: SUBJECT, audience: 'nebius' })),
    )
    expect(result.status).toBe(200)
    expect(await whoami(result.token ?? '')).toMatchObject({ serviceAccountId })
  })

  it('verifies against an inline JWKS without fetching discovery', async () => {
    const own = emulator.oidcIssuer()
    const binding = emulator.addFederatedCredentials({
      issuerUrl: own.issuerUrl,
      subject: 'system:serviceaccount:default:app',
      jwks: own.jwks(),
    })
    emulator.clearRequests()
    const result = await post(
      actorForm(binding.serviceAccountId, own.mint({ subject: 'system:serviceaccount:default:app' })),
    )
    expect(result.status).toBe(200)
    expect(emulator.requests().some((request) => request.path.startsWith('/oidc/'))).toBe(false)
  })

  it("follows the issuer's key rotation", async () => {
    const rotating = emulator.oidcIssuer()
    const binding = emulator.addFederatedCredentials({ issuerUrl: rotating.issuerUrl, subject: SUBJECT })
    expect(
      (await post(actorForm(binding.serviceAccountId, rotating.mint({ subject: SUBJECT })))).status,
    ).toBe(200)
    rotating.rotateKey()
    expect(
      (await post(actorForm(binding.serviceAccountId, rotating.mint({ subject: SUBJECT })))).status,
    ).toBe(200)
  })

  it('refuses a JWT of another issuer as invalid_grant', async () => {
    const stranger = emulator.oidcIssuer()
    const result = await post(actorForm(serviceAccountId, stranger.mint({ subject: SUBJECT })))
    expect(result.status).toBe(400)
    expect(result.refusal).toMatch(/^invalid_grant: .*iss/)
  })

  it('refuses a JWT that claims the trusted issuer but is signed by another key', async () => {
    const stranger = emulator.oidcIssuer()
    const forged = stranger.mint({ subject: SUBJECT, claims: { iss: issuer.issuerUrl } })
    const result = await post(actorForm(serviceAccountId, forged))
    expect(result.refusal).toMatch(/^invalid_grant: actor_token (kid|signature)/)
  })

  it('refuses another subject as invalid_grant', async () => {
    const result = await post(
      actorForm(serviceAccountId, issuer.mint({ subject: 'repo:acme/app:pull_request' })),
    )
    expect(result.status).toBe(400)
    expect(result.refusal).toMatch(/^invalid_grant: .*sub/)
  })

  it('refuses an expired JWT as invalid_grant', async () => {
    const result = await post(actorForm(serviceAccountId, issuer.mint({ subject: SUBJECT, expiresIn: -60 })))
    expect(result.refusal).toBe('invalid_grant: actor_token is expired')
  })

  it('refuses an unsigned JWT and an alg none JWT as invalid_grant', async () => {
    const [header = '', payload = ''] = issuer.mint({ subject: SUBJECT }).split('.')
    expect((await post(actorForm(serviceAccountId, `${header}.${payload}.`))).refusal).toMatch(
      /^invalid_grant/,
    )
    const none = unsigned({ alg: 'none' }, { iss: issuer.issuerUrl, sub: SUBJECT, exp: 9_999_999_999 })
    expect((await post(actorForm(serviceAccountId, none))).refusal).toMatch(/^invalid_grant: actor_token alg/)
  })

  it('refuses a tampered payload as invalid_grant', async () => {
    const [header = '', , signature = ''] = issuer.mint({ subject: SUBJECT }).split('.')
    const payload = Buffer.from(
      JSON.stringify({ iss: issuer.issuerUrl, sub: SUBJECT, exp: 9_999_999_999 }),
    ).toString('base64url')
    const result = await post(actorForm(serviceAccountId, `${header}.${payload}.${signature}`))
    expect(result.refusal).toBe('invalid_grant: actor_token signature is invalid')
  })

  it('refuses an unknown service account as subject', async () => {
    const result = await post(
      actorForm('serviceaccount-e00unknown0000000', issuer.mint({ subject: SUBJECT })),
    )
    expect(result.refusal).toMatch(/^invalid_grant: subject_token/)
  })

  it('refuses when the issuer cannot be reached, without waiting on it', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(500).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const issuerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const binding = emulator.addFederatedCredentials({ issuerUrl, subject: SUBJECT })
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: issuerUrl, sub: SUBJECT, exp: 9_999_999_999 }),
    ).toString('base64url')}`
    const jwt = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
    const result = await post(actorForm(binding.serviceAccountId, jwt))
    server.close()
    expect(result.refusal).toMatch(/^invalid_grant: the issuer's discovery document answered HTTP 500/)
  })

  it('refuses an actor token without its type, and an actor with a JWT subject', async () => {
    const jwt = issuer.mint({ subject: SUBJECT })
    const missingType = exchangeForm(serviceAccountId, {
      subject_token_type: SUBJECT_IDENTIFIER,
      actor_token: jwt,
    })
    expect((await post(missingType)).refusal).toMatch(/^invalid_request: actor_token and actor_token_type/)
    const noActor = exchangeForm(serviceAccountId, { subject_token_type: SUBJECT_IDENTIFIER })
    expect((await post(noActor)).refusal).toMatch(/^invalid_request/)
  })

  it('validates addFederatedCredentials options with TypeErrors naming the option', () => {
    expect(() => emulator.addFederatedCredentials({ issuerUrl: 'http://example.com', subject: 's' })).toThrow(
      /options.issuerUrl/,
    )
    expect(() => emulator.addFederatedCredentials({ issuerUrl: issuer.issuerUrl, subject: '' })).toThrow(
      /options.subject/,
    )
    expect(() =>
      emulator.addFederatedCredentials({ issuerUrl: issuer.issuerUrl, subject: 's', jwks: { keys: [] } }),
    ).toThrow(/options.jwks/)
  })
})

describe('impersonation', () => {
  it("exchanges an allowed actor's access token for the service account's token", async () => {
    const actor = emulator.createServiceAccount({ keyBits: 2048 })
    const target = emulator.createServiceAccount({ keyBits: 2048 })
    emulator.allowImpersonation({ actor: actor.serviceAccountId, serviceAccountId: target.serviceAccountId })
    const actorToken = await exchange(emulator.exchangeEndpoint, actor)
    const result = await post(actorForm(target.serviceAccountId, actorToken, ACCESS_TOKEN_TYPE))
    expect(result.status).toBe(200)
    expect(await whoami(result.token ?? '')).toMatchObject({ serviceAccountId: target.serviceAccountId })
  })

  it('refuses an actor that was not allowed, and a revoked actor token, as invalid_grant', async () => {
    const actor = emulator.createServiceAccount({ keyBits: 2048 })
    const target = emulator.createServiceAccount({ keyBits: 2048 })
    const actorToken = await exchange(emulator.exchangeEndpoint, actor)
    expect((await post(actorForm(target.serviceAccountId, actorToken, ACCESS_TOKEN_TYPE))).refusal).toMatch(
      /^invalid_grant: the actor is not allowed/,
    )
    emulator.allowImpersonation({ actor: actor.serviceAccountId, serviceAccountId: target.serviceAccountId })
    emulator.revoke(actorToken)
    expect((await post(actorForm(target.serviceAccountId, actorToken, ACCESS_TOKEN_TYPE))).refusal).toBe(
      'invalid_grant: actor_token is unknown, expired or revoked',
    )
  })
})
