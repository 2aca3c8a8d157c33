import { staticToken, type NebiusAuthEvent } from '@nebius-auth/core'
import {
  countingProvider,
  startGrpcEmulatorContext,
  type GrpcEmulatorContext,
} from '@nebius-auth/adapter-fixtures'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import {
  grpc,
  ProfileServiceClient,
  readAll,
  rejection,
  TestServiceClient,
  trusting,
  unary,
  type AnyClient,
  type ClientConstructor,
} from './clients.test-support.js'
import { nebiusCredentials, type NebiusGrpcOptions } from './nebius-credentials.js'

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

function client(Constructor: ClientConstructor, options: NebiusGrpcOptions = {}): AnyClient {
  const made = new Constructor(
    context.grpc.address,
    ...nebiusCredentials({
      provider: context.provider,
      origins: context.grpcOrigins,
      channelCredentials: trusting(context.grpc.rootCert),
      ...options,
    }),
  )
  clients.push(made)
  return made
}

/** The authorization of every call the emulator received for `path`, in order. */
function sent(path: string): (string | undefined)[] {
  return context.emulator
    .requests()
    .filter((request) => request.path === path)
    .map((request) => request.authorization)
}

type Stream = AsyncIterable<unknown> & { write(message: unknown): boolean; end(): void }

describe('UNAUTHENTICATED to our token', () => {
  it('refreshes once and retries a unary call once with the new token', async () => {
    const events: NebiusAuthEvent[] = []
    const profiles = client(ProfileServiceClient, { onEvent: (event) => events.push(event) })
    await unary(profiles, 'Get')
    const accepted = context.emulator.stats().exchanges.accepted
    context.emulator.revoke()
    context.emulator.clearRequests()
    await unary(profiles, 'Get')
    const [first, second] = sent('/nebius.iam.v1.ProfileService/Get')
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toHaveLength(2)
    expect(second).not.toBe(first)
    expect(context.emulator.stats().exchanges.accepted - accepted).toBe(1)
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'unauthorized-retry',
        client: 'grpc-js',
        origin: context.grpcOrigins[0],
      }),
    )
  })

  it('refreshes once for ten concurrent calls refused for the same token', async () => {
    const profiles = client(ProfileServiceClient)
    await unary(profiles, 'Get')
    const accepted = context.emulator.stats().exchanges.accepted
    context.emulator.revoke()
    await Promise.all(Array.from({ length: 10 }, () => unary(profiles, 'Get')))
    expect(context.emulator.stats().exchanges.accepted - accepted).toBe(1)
  })

  it('lets a second UNAUTHENTICATED reach the caller: one retry, no loop', async () => {
    const provider = countingProvider()
    const error = await rejection(unary(client(ProfileServiceClient, { provider }), 'Get'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toEqual(['Bearer token-1', 'Bearer token-2'])
    provider.close()
  })

  it('never retries a static token', async () => {
    const error = await rejection(
      unary(client(ProfileServiceClient, { provider: staticToken('v1.not.live') }), 'Get'),
    )
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toEqual(['Bearer v1.not.live'])
  })

  it('does not retry with retryOnUnauthorized: false', async () => {
    const provider = countingProvider()
    const error = await rejection(
      unary(client(ProfileServiceClient, { provider, retryOnUnauthorized: false }), 'Get'),
    )
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toEqual(['Bearer token-1'])
    provider.close()
  })

  it('retries a server stream that has received nothing yet, and delivers every message once', async () => {
    const test = client(TestServiceClient)
    await unary(test, 'Whoami')
    context.emulator.revoke()
    context.emulator.clearRequests()
    const messages = await readAll<{ remaining: number }>(
      test.Countdown!({ count: 3, intervalMs: 1 }) as AsyncIterable<unknown>,
    )
    expect(messages.map((message) => message.remaining)).toEqual([2, 1, 0])
    expect(sent('/nebius_auth.emulator.v1.TestService/Countdown')).toHaveLength(2)
  })

  it('does not replay a server stream that already delivered a message', async () => {
    const test = client(TestServiceClient)
    await unary(test, 'Whoami')
    context.emulator.clearRequests()
    const stream = test.Countdown!({ count: 50, intervalMs: 20 }) as AsyncIterable<unknown>
    const received: unknown[] = []
    const error = await rejection(
      (async () => {
        for await (const message of stream) {
          received.push(message)
          if (received.length === 1) context.emulator.revoke()
        }
      })(),
    )
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(received.length).toBeGreaterThanOrEqual(1)
    expect(received.length).toBeLessThan(50)
    expect(sent('/nebius_auth.emulator.v1.TestService/Countdown')).toHaveLength(1)
  })

  it('never replays a client stream, but tells the provider so the next call gets a new token', async () => {
    const provider = countingProvider()
    const test = client(TestServiceClient, { provider })
    const error = await rejection(
      new Promise((resolve, reject) => {
        const stream = (test.Collect as (callback: (error: Error | null, value: unknown) => void) => Stream)(
          (failure, value) => {
            if (failure === null) resolve(value)
            else reject(failure)
          },
        )
        stream.write({ text: 'one' })
        stream.write({ text: 'two' })
        stream.end()
      }),
    )
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent('/nebius_auth.emulator.v1.TestService/Collect')).toEqual(['Bearer token-1'])
    await rejection(unary(test, 'Whoami'))
    expect(sent('/nebius_auth.emulator.v1.TestService/Whoami')[0]).toBe('Bearer token-2')
    provider.close()
  })

  it('never replays a bidi stream', async () => {
    const provider = countingProvider()
    const test = client(TestServiceClient, { provider })
    const chat = (test.Chat as () => Stream)()
    chat.write({ text: 'hello' })
    chat.end()
    const error = await rejection(readAll(chat))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent('/nebius_auth.emulator.v1.TestService/Chat')).toEqual(['Bearer token-1'])
    provider.close()
  })

  it('carries a client stream and a bidi stream with a live token', async () => {
    const test = client(TestServiceClient)
    const collected = await new Promise<{ count: number }>((resolve, reject) => {
      const stream = (test.Collect as (callback: (error: Error | null, value: unknown) => void) => Stream)(
        (failure, value) => {
          if (failure === null) resolve(value as { count: number })
          else reject(failure)
        },
      )
      for (const text of ['a', 'b', 'c']) stream.write({ text })
      stream.end()
    })
    expect(collected.count).toBe(3)
    const chat = (test.Chat as () => Stream)()
    chat.write({ text: 'ping' })
    chat.end()
    expect(await readAll(chat)).toEqual([{ text: 'ping' }])
  })
})
