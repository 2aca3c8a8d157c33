/**
 * The ready path: a call whose provider already holds a fresh token is made by grpc-js at once, with no
 * wait for the provider, and keeps every rule of the waiting path: one retry after UNAUTHENTICATED for a
 * unary call or an unanswered server stream, none for streams of requests, the caller's own authorization
 * left alone, and the caller's metadata never left holding our token.
 */
import { type AccessToken, type GetTokenOptions, type TokenProvider } from '@nebius-auth/core'
import { cachedProvider } from '@nebius-auth/core/advanced'
import { startGrpcEmulatorContext, type GrpcEmulatorContext } from '@nebius-auth/adapter-fixtures'
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
const providers: { close(): void }[] = []
afterAll(() => {
  for (const client of clients) client.close()
  for (const provider of providers) provider.close()
})

/** `provider`, counting the getToken calls that are not a retry's (`rejected`): the waiting path's. */
function watched(provider: TokenProvider): TokenProvider & { readonly waits: () => number } {
  let waits = 0
  return {
    waits: () => waits,
    getToken(options?: GetTokenOptions): Promise<AccessToken> {
      if (options?.rejected === undefined) waits += 1
      return provider.getToken(options)
    },
    peek: () => provider.peek?.(),
  }
}

/** A warm provider of `token-1`, `token-2`, …, none valid at the emulator: a new one for each rejection. */
async function warmCounting(): Promise<TokenProvider> {
  let count = 0
  const provider = cachedProvider(() => {
    count += 1
    return Promise.resolve({ token: `token-${count}`, expiresAt: Date.now() + 3_600_000 })
  })
  providers.push(provider)
  await provider.getToken()
  return provider
}

function client(
  Constructor: ClientConstructor,
  provider: TokenProvider,
  clientOptions: grpc.ClientOptions = {},
): AnyClient {
  const made = new Constructor(
    context.grpc.address,
    ...nebiusCredentials({
      provider,
      origins: context.grpcOrigins,
      channelCredentials: trusting(context.grpc.rootCert),
      clientOptions,
    }),
  )
  clients.push(made)
  return made
}

/** Counts the calls grpc-js makes on the client's channel, one per attempt. */
function countCalls(made: AnyClient): () => number {
  const channel = made.getChannel()
  const createCall = channel.createCall.bind(channel)
  let count = 0
  channel.createCall = (...args) => {
    count += 1
    return createCall(...args)
  }
  return () => count
}

/** The authorization of every call the emulator received for `path`, in order. */
function sent(path: string): (string | undefined)[] {
  return context.emulator
    .requests()
    .filter((request) => request.path === path)
    .map((request) => request.authorization)
}

const getPath = '/nebius.iam.v1.ProfileService/Get'
type Stream = AsyncIterable<unknown> & { write(message: unknown): boolean; end(): void }

describe('which path a call takes', () => {
  /**
   * A client whose own interceptor, outside ours, notes how many grpc-js calls exist once ours returned its
   * call and before that call starts: the ready path makes its one call there, the waiting path later.
   */
  function observed(provider: TokenProvider): { profiles: AnyClient; calls: () => number; early: number[] } {
    const early: number[] = []
    let calls = (): number => 0
    const outer: grpc.Interceptor = (options, nextCall) => {
      const call = new grpc.InterceptingCall(nextCall(options))
      early.push(calls())
      return call
    }
    const profiles = client(ProfileServiceClient, provider, { interceptors: [outer] })
    calls = countCalls(profiles)
    return { profiles, calls, early }
  }

  it('makes a warm call through grpc-js at once, before it starts, without asking the provider', async () => {
    await context.provider.getToken()
    const provider = watched(context.provider)
    const { profiles, calls, early } = observed(provider)
    await unary(profiles, 'Get')
    expect(early).toEqual([1])
    expect(calls()).toBe(1)
    expect(provider.waits()).toBe(0)
    expect(sent(getPath)).toEqual([expect.stringMatching(/^Bearer /)])
  })

  it('makes a cold call only once its token is there', async () => {
    const cold = context.coldProvider()
    providers.push(cold)
    const provider = watched(cold)
    const { profiles, calls, early } = observed(provider)
    const pending = unary(profiles, 'Get')
    expect(calls()).toBe(0)
    await pending
    expect(early).toEqual([0])
    expect(calls()).toBe(1)
    expect(provider.waits()).toBe(1)
    // The token it waited for is fresh now: the next call is a warm one.
    await unary(profiles, 'Get')
    expect(early).toEqual([0, 2])
    expect(provider.waits()).toBe(1)
  })
})

describe('UNAUTHENTICATED to a warm call', () => {
  it('refreshes once and retries a unary call once with the new token', async () => {
    await context.provider.getToken()
    const provider = watched(context.provider)
    const profiles = client(ProfileServiceClient, provider)
    const calls = countCalls(profiles)
    context.emulator.revoke()
    await unary(profiles, 'Get')
    const [first, second] = sent(getPath)
    expect(sent(getPath)).toHaveLength(2)
    expect(second).not.toBe(first)
    expect(calls()).toBe(2)
    expect(provider.waits()).toBe(0)
  })

  it('lets a second UNAUTHENTICATED reach the caller: one retry, no loop', async () => {
    const provider = watched(await warmCounting())
    const error = await rejection(unary(client(ProfileServiceClient, provider), 'Get'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent(getPath)).toEqual(['Bearer token-1', 'Bearer token-2'])
    expect(provider.waits()).toBe(0)
  })

  it('retries a server stream that has received nothing yet, and delivers every message once', async () => {
    await context.provider.getToken()
    const provider = watched(context.provider)
    const test = client(TestServiceClient, provider)
    context.emulator.revoke()
    const messages = await readAll<{ remaining: number }>(
      test.Countdown!({ count: 5, intervalMs: 1 }) as AsyncIterable<unknown>,
    )
    expect(messages.map((message) => message.remaining)).toEqual([4, 3, 2, 1, 0])
    expect(sent('/nebius_auth.emulator.v1.TestService/Countdown')).toHaveLength(2)
    expect(provider.waits()).toBe(0)
  })

  it('never replays a client stream, but the next call gets a new token', async () => {
    const test = client(TestServiceClient, await warmCounting())
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
  })

  it('never replays a bidi stream', async () => {
    const test = client(TestServiceClient, await warmCounting())
    const chat = (test.Chat as () => Stream)()
    chat.write({ text: 'hello' })
    chat.end()
    const error = await rejection(readAll(chat))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent('/nebius_auth.emulator.v1.TestService/Chat')).toEqual(['Bearer token-1'])
  })

  it('carries a client stream and a bidi stream with a live token', async () => {
    await context.provider.getToken()
    const test = client(TestServiceClient, context.provider)
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

describe("the caller's metadata", () => {
  it("sends the caller's own authorization as it is, never refreshed or retried", async () => {
    const provider = watched(await warmCounting())
    const metadata = new grpc.Metadata()
    metadata.set('authorization', 'Bearer callers-own')
    const error = await rejection(unary(client(ProfileServiceClient, provider), 'Get', {}, { metadata }))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent(getPath)).toEqual(['Bearer callers-own'])
    expect(metadata.get('authorization')).toEqual(['Bearer callers-own'])
    expect(provider.waits()).toBe(0)
  })

  it('is never left holding our token, so reusing it sends a fresh one and a plain client none', async () => {
    await context.provider.getToken()
    const profiles = client(ProfileServiceClient, context.provider)
    const metadata = new grpc.Metadata()
    metadata.set('x-request-id', 'reused')
    await unary(profiles, 'Get', {}, { metadata })
    expect(metadata.getMap()).toEqual({ 'x-request-id': 'reused' })
    // Were our token left on it, the next call would take it for the caller's own and not retry it.
    context.emulator.revoke()
    await unary(profiles, 'Get', {}, { metadata })
    const [first, refused, retried] = sent(getPath)
    expect(refused).toBe(first)
    expect(retried).not.toBe(first)
    await Promise.all(Array.from({ length: 5 }, () => unary(profiles, 'Get', {}, { metadata })))
    expect(sent(getPath).slice(3)).toEqual(Array.from({ length: 5 }, () => retried))
    const plain = new ProfileServiceClient(context.grpc.address, trusting(context.grpc.rootCert))
    clients.push(plain)
    context.emulator.clearRequests()
    const error = await rejection(unary(plain, 'Get', {}, { metadata }))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(sent(getPath)).toEqual([undefined])
  })
})
