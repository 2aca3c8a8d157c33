import { staticToken } from '@nebius-auth/core'
import { startGrpcEmulatorContext, type GrpcEmulatorContext } from '@nebius-auth/adapter-fixtures'
import { ProfileService } from '@nebius-auth/emulator/proto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import {
  generatedClient,
  grpc,
  ProfileServiceClient,
  trusting,
  unary,
  type AnyClient,
} from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'

let context: GrpcEmulatorContext
beforeAll(async () => {
  context = await startGrpcEmulatorContext()
})
afterAll(() => context.close())
beforeEach(() => {
  context.emulator.clearRequests()
})

const clients: AnyClient[] = []
afterAll(() => {
  for (const client of clients) client.close()
})

function profiles(options: Parameters<typeof nebiusCredentials>[0] = {}): AnyClient {
  const client = new ProfileServiceClient(
    context.grpc.address,
    ...nebiusCredentials({
      provider: context.provider,
      origins: context.grpcOrigins,
      channelCredentials: trusting(context.grpc.rootCert),
      ...options,
    }),
  )
  clients.push(client)
  return client
}

describe('nebiusCredentials', () => {
  it('authenticates ProfileService/Get on a proto-loader client', async () => {
    const response = await unary<{
      profile: string
      serviceAccountProfile: { info: { metadata: { id: string } } }
    }>(profiles(), 'Get')
    expect(response.profile).toBe('serviceAccountProfile')
    expect(response.serviceAccountProfile.info.metadata.id).toMatch(/^serviceaccount-/)
  })

  it('authenticates a client made the way generated code makes one', async () => {
    const Client = generatedClient(ProfileService)
    const client = new Client(
      context.grpc.address,
      ...nebiusCredentials({
        provider: context.provider,
        origins: context.grpcOrigins,
        channelCredentials: trusting(context.grpc.rootCert),
      }),
    )
    clients.push(client)
    const response = await unary<{ profile: { case: string } }>(client, 'Get')
    expect(response.profile.case).toBe('serviceAccountProfile')
  })

  it('makes one exchange for 200 concurrent cold unary calls', async () => {
    const { emulator } = context
    const provider = context.coldProvider()
    const accepted = emulator.stats().exchanges.accepted
    const client = profiles({ provider })
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        unary<{ serviceAccountProfile: { info: { metadata: { id: string } } } }>(client, 'Get'),
      ),
    )
    provider.close()
    expect(new Set(responses.map((response) => response.serviceAccountProfile.info.metadata.id)).size).toBe(1)
    expect(emulator.stats().exchanges.accepted - accepted).toBe(1)
  })

  it('sends authorization exactly once per call, as Bearer', async () => {
    await unary(profiles(), 'Get')
    const [request] = context.emulator.requests()
    expect(request?.authorization).toMatch(/^Bearer v1\.[^,]+$/)
  })

  it("leaves a caller's own authorization alone and never retries it", async () => {
    const metadata = new grpc.Metadata()
    metadata.set('authorization', 'Bearer v1.callers.own')
    const error = await unary(profiles(), 'Get', {}, { metadata }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: grpc.status.UNAUTHENTICATED })
    expect(context.emulator.requests().map((request) => request.authorization)).toEqual([
      'Bearer v1.callers.own',
    ])
  })

  it("never writes the token into the caller's Metadata object", async () => {
    const metadata = new grpc.Metadata()
    metadata.set('x-request-id', 'abc')
    await unary(profiles(), 'Get', {}, { metadata })
    expect(metadata.get('authorization')).toEqual([])
    expect(metadata.get('x-request-id')).toEqual(['abc'])
  })

  it("keeps the caller's client interceptors and runs ours after them", async () => {
    const seen: string[] = []
    const theirs: grpc.Interceptor = (options, nextCall) =>
      new grpc.InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          seen.push(`client interceptor saw authorization: ${metadata.get('authorization').length}`)
          next(metadata, listener)
        },
      })
    await unary(profiles({ clientOptions: { interceptors: [theirs] } }), 'Get')
    expect(seen).toEqual(['client interceptor saw authorization: 0'])
    expect(context.emulator.requests()[0]?.authorization).toMatch(/^Bearer /)
  })

  it('still authenticates a call given its own interceptors, which grpc-js lets replace the client ones', async () => {
    let ran = false
    const perCall: grpc.Interceptor = (options, nextCall) => {
      ran = true
      return new grpc.InterceptingCall(nextCall(options))
    }
    await unary(profiles(), 'Get', {}, { callOptions: { interceptors: [perCall] } })
    expect(ran).toBe(true)
    expect(context.emulator.requests()[0]?.authorization).toMatch(/^Bearer /)
  })

  it('joins interceptor_providers when the caller uses those instead', async () => {
    let provided = 0
    const providers = [
      () => {
        provided += 1
        return undefined as unknown as grpc.Interceptor
      },
    ]
    await unary(profiles({ clientOptions: { interceptor_providers: providers } }), 'Get')
    expect(provided).toBe(1)
    expect(context.emulator.requests()[0]?.authorization).toMatch(/^Bearer /)
  })

  it('sends a static token as it is', async () => {
    const token = (await context.provider.getToken()).token
    await unary(profiles({ provider: staticToken(token) }), 'Get')
    expect(context.emulator.requests()[0]?.authorization).toBe(`Bearer ${token}`)
  })

  it('refuses invalid options with a TypeError naming the option', () => {
    expect(() => nebiusCredentials({ channelCredentials: {} as never })).toThrow(/^channelCredentials:/)
    expect(() => nebiusCredentials({ clientOptions: 'x' as never })).toThrow(/^clientOptions:/)
    expect(() => nebiusCredentials({ provider: {} as never })).toThrow(/^provider:/)
    expect(() => nebiusCredentials({ origins: ['http://example.com'] })).toThrow(/^origins:/)
    expect(() => nebiusCredentials(null as never)).toThrow(TypeError)
  })

  it('defaults to TLS channel credentials', () => {
    const [channelCredentials] = nebiusCredentials({ provider: staticToken('v1.a.b') })
    expect(channelCredentials._isSecure()).toBe(true)
  })
})
