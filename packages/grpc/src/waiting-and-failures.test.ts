import { inspect } from 'node:util'

import { NebiusAuthError, serviceAccount } from '@nebius-auth/core'
import {
  hangingProvider,
  rotatingTokens,
  secretPart,
  startGrpcEmulatorContext,
  type GrpcEmulatorContext,
} from '@nebius-auth/adapter-fixtures'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  grpc,
  ProfileServiceClient,
  rejection,
  trusting,
  unary,
  type AnyClient,
} from './clients.test-support.js'
import { nebiusCredentials, type NebiusGrpcOptions } from './nebius-credentials.js'

let context: GrpcEmulatorContext
beforeAll(async () => {
  context = await startGrpcEmulatorContext()
})
afterAll(() => context.close())

const clients: AnyClient[] = []
afterAll(() => {
  for (const client of clients) client.close()
})

function profiles(options: NebiusGrpcOptions): AnyClient {
  const client = new ProfileServiceClient(
    context.grpc.address,
    ...nebiusCredentials({
      origins: context.grpcOrigins,
      channelCredentials: trusting(context.grpc.rootCert),
      ...options,
    }),
  )
  clients.push(client)
  return client
}

describe('while a call waits for its token', () => {
  for (const honoursSignal of [true, false]) {
    it(`ends with DEADLINE_EXCEEDED at the deadline (provider ${honoursSignal ? 'honours' : 'ignores'} the signal)`, async () => {
      const provider = hangingProvider({ honoursSignal })
      const error = await rejection(
        unary(profiles({ provider }), 'Get', {}, { callOptions: { deadline: Date.now() + 300 } }),
      )
      expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED)
    })

    it(`ends with CANCELLED on call.cancel() (provider ${honoursSignal ? 'honours' : 'ignores'} the signal)`, async () => {
      const provider = hangingProvider({ honoursSignal })
      let call: grpc.ClientUnaryCall | undefined
      const pending = unary(profiles({ provider }), 'Get', {}, { onCall: (made) => (call = made) })
      await provider.called
      call?.cancel()
      const error = await rejection(pending)
      expect(error.code).toBe(grpc.status.CANCELLED)
    })
  }

  it('sends nothing to the server for a call that ended before its token came', async () => {
    context.emulator.clearRequests()
    const provider = hangingProvider({ honoursSignal: true })
    await rejection(unary(profiles({ provider }), 'Get', {}, { callOptions: { deadline: Date.now() + 100 } }))
    expect(context.emulator.requests()).toEqual([])
  })

  it('ends with DEADLINE_EXCEEDED when the exchange hangs past the deadline', async () => {
    const provider = context.coldProvider()
    context.emulator.fail({ delay: 2_000 })
    try {
      const error = await rejection(
        unary(profiles({ provider }), 'Get', {}, { callOptions: { deadline: Date.now() + 300 } }),
      )
      expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED)
    } finally {
      provider.close()
      context.emulator.clearFaults()
    }
  })
})

describe('when no token can be had', () => {
  it("ends with UNAVAILABLE and core's error as cause while the exchange is down", async () => {
    const provider = context.coldProvider()
    context.emulator.fail({ status: 503, count: 10 })
    try {
      const error = await rejection(unary(profiles({ provider }), 'Get'))
      expect(error.code).toBe(grpc.status.UNAVAILABLE)
      expect(NebiusAuthError.isInstance((error as { cause?: unknown }).cause)).toBe(true)
      expect(error.details).toMatch(/^nebius-auth: no access token: /)
    } finally {
      provider.close()
      context.emulator.clearFaults()
    }
  })

  it('ends with UNAUTHENTICATED when the key is refused', async () => {
    const account = context.emulator.createServiceAccount({ keyBits: 2048 })
    const stranger = context.emulator.createServiceAccount({ keyBits: 2048 })
    const provider = serviceAccount({
      serviceAccountId: account.serviceAccountId,
      publicKeyId: account.publicKeyId,
      privateKey: stranger.privateKeyPem,
      endpoint: context.emulator.exchangeEndpoint,
    })
    const error = await rejection(unary(profiles({ provider }), 'Get'))
    provider.close()
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ERR_EXCHANGE_REJECTED')
  })
})

describe('secrets', () => {
  it('keeps tokens out of ServiceError, its metadata and util.inspect', async () => {
    const provider = rotatingTokens()
    context.emulator.clearRequests()
    const error = await rejection(unary(profiles({ provider }), 'Get'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    // Both attempts carried a token with the secret part, so both were there to leak.
    expect(context.emulator.requests().map((request) => request.authorization)).toEqual([
      expect.stringContaining(secretPart),
      expect.stringContaining(secretPart),
    ])
    const shown = [
      inspect(error, { depth: 10, showHidden: true }),
      error.message,
      JSON.stringify(error.metadata.getMap()),
    ]
    for (const text of shown) expect(text).not.toContain(secretPart)
  })

  it("passes a foreign provider's failure on as the ServiceError's cause, with UNAUTHENTICATED", async () => {
    const provider = { getToken: () => Promise.reject(new Error('refused')) }
    const error = await rejection(unary(profiles({ provider }), 'Get'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect((error as { cause?: Error }).cause?.message).toBe('refused')
  })
})
