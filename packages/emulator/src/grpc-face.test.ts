import { generateKeyPairSync } from 'node:crypto'

import { create, type DescService } from '@bufbuild/protobuf'
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { InstanceService, type ListInstancesResponse } from './gen/nebius/compute/v1/instance_service_pb.js'
import { ProfileService, type GetProfileResponse } from './gen/nebius/iam/v1/profile_service_pb.js'
import {
  ExchangeTokenRequestSchema,
  TokenExchangeService,
  type CreateTokenResponse,
} from './gen/nebius/iam/v1/token_exchange_service_pb.js'
import { TestService, type CountdownResponse } from './gen/nebius_auth/emulator/v1/test_service_pb.js'
import { grpcServiceDefinition } from './grpc-service-definition.js'
import { ACCESS_TOKEN_TYPE, GRANT_TYPE, JWT_TOKEN_TYPE, validJwt } from './jwt.test-support.js'
import { startEmulator } from './server.js'
import type { EmulatedServiceAccount, Emulator, EmulatorGrpc } from './types.js'

let emulator: Emulator & { readonly grpc: EmulatorGrpc }
let account: EmulatedServiceAccount
let now = Date.now()

beforeAll(async () => {
  emulator = await startEmulator({ grpc: true, now: () => now })
  account = emulator.createServiceAccount({ keyBits: 2048 })
})
afterAll(() => emulator.close())

type Call = (
  request: unknown,
  metadata: Metadata,
  callback: (error: ServiceError | null, value?: unknown) => void,
) => void

/** A grpc-js client for a protobuf-es service, the way generated code builds one. */
function clientFor(service: DescService, secure = true): Client & Record<string, Call> {
  const definition = grpcServiceDefinition(service)
  const Constructor = makeGenericClientConstructor(definition, service.name)
  const channel = secure
    ? credentials.createSsl(Buffer.from(emulator.grpc.rootCert))
    : credentials.createInsecure()
  return new Constructor(emulator.grpc.address, channel) as never
}

function unary<T>(
  client: Record<string, Call>,
  method: string,
  request: unknown,
  token?: string,
): Promise<T> {
  const metadata = new Metadata()
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`)
  return new Promise((resolve, reject) => {
    client[method]!(request, metadata, (error, value) => {
      if (error === null) resolve(value as T)
      else reject(error)
    })
  })
}

function exchangeRequest(subjectToken: string) {
  return create(ExchangeTokenRequestSchema, {
    grantType: GRANT_TYPE,
    requestedTokenType: ACCESS_TOKEN_TYPE,
    subjectToken,
    subjectTokenType: JWT_TOKEN_TYPE,
  })
}

async function grpcToken(): Promise<string> {
  const tokens = clientFor(TokenExchangeService)
  try {
    const response = await unary<CreateTokenResponse>(
      tokens,
      'Exchange',
      exchangeRequest(validJwt(account, now)),
    )
    return response.accessToken
  } finally {
    tokens.close()
  }
}

describe('the gRPC token exchange', () => {
  it('issues a token for a valid JWT, counted with the HTTP exchanges', async () => {
    const before = emulator.stats().exchanges.accepted
    const tokens = clientFor(TokenExchangeService)
    const response = await unary<CreateTokenResponse>(
      tokens,
      'Exchange',
      exchangeRequest(validJwt(account, now)),
    )
    tokens.close()
    expect(response.accessToken).toMatch(/^v1\./)
    expect(response.tokenType).toBe('Bearer')
    expect(response.issuedTokenType).toBe(ACCESS_TOKEN_TYPE)
    expect(response.expiresIn).toBe(43200n)
    expect(emulator.stats().exchanges.accepted).toBe(before + 1)
  })

  it('refuses a JWT signed by another key with UNAUTHENTICATED', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const strangerKey = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
    const forged = validJwt({ ...account, privateKeyPem: strangerKey }, now)
    const tokens = clientFor(TokenExchangeService)
    await expect(unary(tokens, 'Exchange', exchangeRequest(forged))).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: expect.stringContaining('invalid_grant'),
    })
    tokens.close()
  })

  it('refuses a request without grant_type with INVALID_ARGUMENT', async () => {
    const tokens = clientFor(TokenExchangeService)
    const request = create(ExchangeTokenRequestSchema, { subjectToken: validJwt(account, now) })
    await expect(unary(tokens, 'Exchange', request)).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'invalid_request: grant_type is required',
    })
    tokens.close()
  })

  it('applies the queued HTTP faults as gRPC statuses and counts them as failed', async () => {
    const tokens = clientFor(TokenExchangeService)
    const before = emulator.stats().exchanges.failed
    emulator.fail({ status: 503 })
    emulator.fail({ drop: true })
    emulator.fail({ status: 200, body: 'not a protobuf \u00ff' })
    const request = exchangeRequest(validJwt(account, now))
    await expect(unary(tokens, 'Exchange', request)).rejects.toMatchObject({ code: status.UNAVAILABLE })
    await expect(unary(tokens, 'Exchange', request)).rejects.toMatchObject({ code: status.UNAVAILABLE })
    await expect(unary(tokens, 'Exchange', request)).rejects.toMatchObject({ code: status.INTERNAL })
    expect(emulator.stats().exchanges.failed).toBe(before + 3)
    tokens.close()
  })

  it('refuses a plaintext connection: the face is TLS only', async () => {
    const tokens = clientFor(TokenExchangeService, false)
    await expect(unary(tokens, 'Exchange', exchangeRequest(validJwt(account, now)))).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    })
    tokens.close()
  })
})

describe('ProfileService/Get', () => {
  it("answers a live token with the caller's service account", async () => {
    const token = await grpcToken()
    const profiles = clientFor(ProfileService)
    const response = await unary<GetProfileResponse>(profiles, 'Get', {}, token)
    profiles.close()
    expect(response.profile.case).toBe('serviceAccountProfile')
    const info = response.profile.case === 'serviceAccountProfile' ? response.profile.value.info : undefined
    expect(info?.metadata).toMatchObject({
      id: account.serviceAccountId,
      parentId: expect.stringMatching(/^project-e00/),
    })
    expect(info?.status?.active).toBe(true)
  })

  it('refuses a missing, unknown, revoked or expired token with UNAUTHENTICATED', async () => {
    const profiles = clientFor(ProfileService)
    const revoked = await grpcToken()
    emulator.revoke(revoked)
    const expiring = await grpcToken()
    const before = emulator.stats().unauthorized
    await expect(unary(profiles, 'Get', {})).rejects.toMatchObject({ code: status.UNAUTHENTICATED })
    await expect(unary(profiles, 'Get', {}, 'v1.unknown.token')).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
    })
    await expect(unary(profiles, 'Get', {}, revoked)).rejects.toMatchObject({ code: status.UNAUTHENTICATED })
    now += 43_200_000
    try {
      await expect(unary(profiles, 'Get', {}, expiring)).rejects.toMatchObject({
        code: status.UNAUTHENTICATED,
      })
    } finally {
      now -= 43_200_000
    }
    expect(emulator.stats().unauthorized).toBe(before + 4)
    profiles.close()
  })

  it('records each call with the authorization it carried', async () => {
    const token = await grpcToken()
    emulator.clearRequests()
    const profiles = clientFor(ProfileService)
    await unary(profiles, 'Get', {}, token)
    profiles.close()
    expect(emulator.requests()).toEqual([
      expect.objectContaining({
        path: '/nebius.iam.v1.ProfileService/Get',
        authorization: `Bearer ${token}`,
      }),
    ])
  })
})

describe('the emulator-only TestService', () => {
  it('streams a countdown to a live token and refuses a missing one', async () => {
    const token = await grpcToken()
    const test = clientFor(TestService)
    const metadata = new Metadata()
    metadata.set('authorization', `Bearer ${token}`)
    const stream = (
      test as unknown as { Countdown: (r: unknown, m: Metadata) => AsyncIterable<CountdownResponse> }
    ).Countdown({ count: 3, intervalMs: 1 }, metadata)
    const received: number[] = []
    for await (const message of stream) received.push(message.remaining)
    expect(received).toEqual([2, 1, 0])
    const refused = (
      test as unknown as { Countdown: (r: unknown, m: Metadata) => AsyncIterable<unknown> }
    ).Countdown({ count: 3, intervalMs: 1 }, new Metadata())
    await expect(
      (async () => {
        for await (const _message of refused) expect.fail('no message may arrive')
      })(),
    ).rejects.toMatchObject({ code: status.UNAUTHENTICATED })
    test.close()
  })
})

describe('the gRPC token exchange with an actor', () => {
  const subjectIdentifier = 'urn:nebius:params:oauth:token-type:subject_identifier'
  const actorRequest = (subjectToken: string, actorToken: string, actorTokenType: string) =>
    create(ExchangeTokenRequestSchema, {
      grantType: GRANT_TYPE,
      requestedTokenType: ACCESS_TOKEN_TYPE,
      subjectToken,
      subjectTokenType: subjectIdentifier,
      actorToken,
      actorTokenType,
    })

  it('verifies federated credentials as the HTTP exchange does', async () => {
    const issuer = emulator.oidcIssuer()
    const { serviceAccountId } = emulator.addFederatedCredentials({
      issuerUrl: issuer.issuerUrl,
      subject: 'ci',
    })
    const tokens = clientFor(TokenExchangeService)
    try {
      const good = issuer.mint({ subject: 'ci' })
      const response = await unary<CreateTokenResponse>(
        tokens,
        'Exchange',
        actorRequest(serviceAccountId, good, JWT_TOKEN_TYPE),
      )
      expect(response.accessToken).toMatch(/^v1\./)
      const wrongSubject = issuer.mint({ subject: 'intruder' })
      await expect(
        unary(tokens, 'Exchange', actorRequest(serviceAccountId, wrongSubject, JWT_TOKEN_TYPE)),
      ).rejects.toMatchObject({ details: expect.stringMatching(/^invalid_grant: actor_token sub/) })
    } finally {
      tokens.close()
    }
  })

  it('verifies impersonation grants as the HTTP exchange does', async () => {
    const target = emulator.createServiceAccount({ keyBits: 2048 }).serviceAccountId
    const actorToken = await grpcToken()
    const tokens = clientFor(TokenExchangeService)
    try {
      await expect(
        unary(tokens, 'Exchange', actorRequest(target, actorToken, ACCESS_TOKEN_TYPE)),
      ).rejects.toMatchObject({ details: expect.stringMatching(/^invalid_grant: the actor is not allowed/) })
      emulator.allowImpersonation({ actor: account.serviceAccountId, serviceAccountId: target })
      const response = await unary<CreateTokenResponse>(
        tokens,
        'Exchange',
        actorRequest(target, actorToken, ACCESS_TOKEN_TYPE),
      )
      const profiles = clientFor(ProfileService)
      const profile = await unary<GetProfileResponse>(profiles, 'Get', {}, response.accessToken)
      profiles.close()
      expect(
        JSON.stringify(profile, (_key, value: unknown) =>
          typeof value === 'bigint' ? String(value) : value,
        ),
      ).toContain(target)
    } finally {
      tokens.close()
    }
  })
})

describe('InstanceService/List (a stand-in for compute)', () => {
  it('answers a live token with one instance in the project asked for', async () => {
    const token = await grpcToken()
    const instances = clientFor(InstanceService)
    const response = await unary<ListInstancesResponse>(
      instances,
      'List',
      { parentId: 'project-e00mine' },
      token,
    )
    instances.close()
    expect(response.items.map((instance) => instance.metadata)).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^computeinstance-e00/),
        parentId: 'project-e00mine',
      }),
    ])
    expect(response.nextPageToken).toBe('')
  })

  it('refuses a missing or revoked token with UNAUTHENTICATED', async () => {
    const instances = clientFor(InstanceService)
    const revoked = await grpcToken()
    emulator.revoke(revoked)
    await expect(unary(instances, 'List', {})).rejects.toMatchObject({ code: status.UNAUTHENTICATED })
    await expect(unary(instances, 'List', {}, revoked)).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
    })
    instances.close()
  })
})
