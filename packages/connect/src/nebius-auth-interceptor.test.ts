import { inspect } from 'node:util'

import { Code, createClient } from '@connectrpc/connect'
import { NebiusAuthError, staticToken, type NebiusAuthEvent } from '@nebius-auth/core'
import {
  countingProvider,
  hangingProvider,
  rotatingTokens,
  secretPart,
  startGrpcEmulatorContext,
  type GrpcEmulatorContext,
} from '@nebius-auth/adapter-fixtures'
import { startEmulator, type Emulator, type EmulatorGrpc } from '@nebius-auth/emulator'
import { ProfileService, TestService } from '@nebius-auth/emulator/proto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
import { grpcTransport, rejection } from './transports.test-support.js'
import type { NebiusAuthOptions } from '@nebius-auth/core'

let context: GrpcEmulatorContext
let other: Emulator & { readonly grpc: EmulatorGrpc }
beforeAll(async () => {
  context = await startGrpcEmulatorContext()
  other = await startEmulator({ grpc: true })
})
afterAll(() => Promise.all([context.close(), other.close()]))
beforeEach(() => {
  context.emulator.clearRequests()
})

function clients(options: NebiusAuthOptions = {}, grpc: EmulatorGrpc = context.grpc) {
  const interceptor = nebiusAuthInterceptor({
    provider: context.provider,
    origins: context.grpcOrigins,
    ...options,
  })
  const transport = grpcTransport(grpc, [interceptor])
  return { profiles: createClient(ProfileService, transport), test: createClient(TestService, transport) }
}

function sent(path: string, emulator: Emulator = context.emulator): (string | undefined)[] {
  return emulator
    .requests()
    .filter((request) => request.path === path)
    .map((request) => request.authorization)
}

describe('nebiusAuthInterceptor over createGrpcTransport', () => {
  it('authenticates ProfileService/Get', async () => {
    const response = await clients().profiles.get({})
    expect(response.profile.case).toBe('serviceAccountProfile')
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toEqual([expect.stringMatching(/^Bearer v1\./)])
  })

  it('makes one exchange for 200 concurrent cold unary calls', async () => {
    const provider = context.coldProvider()
    const accepted = context.emulator.stats().exchanges.accepted
    const { profiles } = clients({ provider })
    const responses = await Promise.all(Array.from({ length: 200 }, () => profiles.get({})))
    provider.close()
    expect(responses).toHaveLength(200)
    expect(context.emulator.stats().exchanges.accepted - accepted).toBe(1)
  })

  it('refreshes once and retries a unary call once after Unauthenticated', async () => {
    const events: NebiusAuthEvent[] = []
    const { profiles } = clients({ onEvent: (event) => events.push(event) })
    await profiles.get({})
    context.emulator.revoke()
    context.emulator.clearRequests()
    await profiles.get({})
    const [first, second] = sent('/nebius.iam.v1.ProfileService/Get')
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toHaveLength(2)
    expect(second).not.toBe(first)
    expect(events).toContainEqual(expect.objectContaining({ type: 'unauthorized-retry', client: 'connect' }))
  })

  it('lets a second Unauthenticated reach the caller', async () => {
    const provider = countingProvider()
    const error = await rejection(clients({ provider }).profiles.get({}))
    expect(error.code).toBe(Code.Unauthenticated)
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toEqual(['Bearer token-1', 'Bearer token-2'])
    provider.close()
  })

  it('never retries a static token', async () => {
    const error = await rejection(clients({ provider: staticToken('v1.not.live') }).profiles.get({}))
    expect(error.code).toBe(Code.Unauthenticated)
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toEqual(['Bearer v1.not.live'])
  })

  it('refreshes once and replays a server stream refused before its first message', async () => {
    const { test } = clients()
    await test.whoami({})
    const exchanges = context.emulator.stats().exchanges.accepted
    context.emulator.revoke()
    context.emulator.clearRequests()
    const remaining: number[] = []
    for await (const message of test.countdown({ count: 3, intervalMs: 1 })) remaining.push(message.remaining)
    expect(remaining).toEqual([2, 1, 0])
    const [first, second, ...more] = sent('/nebius_auth.emulator.v1.TestService/Countdown')
    expect(second).toMatch(/^Bearer v1\./)
    expect(second).not.toBe(first)
    expect(more).toEqual([])
    expect(context.emulator.stats().exchanges.accepted - exchanges).toBe(1)
  })

  it('lets a second Unauthenticated of a server stream reach the caller', async () => {
    const provider = countingProvider()
    const error = await rejection(
      (async () => {
        for await (const _message of clients({ provider }).test.countdown({ count: 2, intervalMs: 1 }))
          expect.fail('no message may arrive')
      })(),
    )
    expect(error.code).toBe(Code.Unauthenticated)
    expect(sent('/nebius_auth.emulator.v1.TestService/Countdown')).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ])
    provider.close()
  })

  it('never replays a bidi stream, but the next call gets a new token', async () => {
    const provider = countingProvider()
    const { test } = clients({ provider })
    async function* texts() {
      yield { text: 'a' }
    }
    const error = await rejection(
      (async () => {
        for await (const _message of test.chat(texts())) expect.fail('no message may arrive')
      })(),
    )
    expect(error.code).toBe(Code.Unauthenticated)
    expect(sent('/nebius_auth.emulator.v1.TestService/Chat')).toEqual(['Bearer token-1'])
    await rejection(test.whoami({}))
    expect(sent('/nebius_auth.emulator.v1.TestService/Whoami')[0]).toBe('Bearer token-2')
    provider.close()
  })

  it('never replays a client stream', async () => {
    const provider = countingProvider()
    async function* messages() {
      yield { text: 'one' }
      yield { text: 'two' }
    }
    const error = await rejection(clients({ provider }).test.collect(messages()))
    expect(error.code).toBe(Code.Unauthenticated)
    expect(sent('/nebius_auth.emulator.v1.TestService/Collect')).toEqual(['Bearer token-1'])
    provider.close()
  })

  it('carries a server stream, a client stream and a bidi stream with a live token', async () => {
    const { test } = clients()
    const countdown: number[] = []
    for await (const message of test.countdown({ count: 3, intervalMs: 1 })) countdown.push(message.remaining)
    async function* texts() {
      yield { text: 'a' }
      yield { text: 'b' }
    }
    const collected = await test.collect(texts())
    const echoed: string[] = []
    for await (const message of test.chat(texts())) echoed.push(message.text)
    expect(countdown).toEqual([2, 1, 0])
    expect(collected.count).toBe(2)
    expect(echoed).toEqual(['a', 'b'])
  })

  it('never sends the token to a URL outside origins', async () => {
    const error = await rejection(clients({}, other.grpc).profiles.get({}))
    expect(error.code).toBe(Code.Unauthenticated)
    expect(sent('/nebius.iam.v1.ProfileService/Get', other)).toEqual([undefined])
  })

  it("leaves a caller's own authorization alone", async () => {
    const error = await rejection(
      clients().profiles.get({}, { headers: { authorization: 'Bearer v1.callers.own' } }),
    )
    expect(error.code).toBe(Code.Unauthenticated)
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toEqual(['Bearer v1.callers.own'])
  })

  it('ends the wait for a token with DeadlineExceeded at the deadline', async () => {
    const provider = hangingProvider({ honoursSignal: false })
    const error = await rejection(clients({ provider }).profiles.get({}, { timeoutMs: 300 }))
    expect(error.code).toBe(Code.DeadlineExceeded)
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toEqual([])
  })

  it('ends the wait for a token with Canceled on abort', async () => {
    const provider = hangingProvider({ honoursSignal: false })
    const controller = new AbortController()
    const pending = clients({ provider }).profiles.get({}, { signal: controller.signal })
    await provider.called
    controller.abort()
    expect((await rejection(pending)).code).toBe(Code.Canceled)
  })

  it("fails with Unavailable and core's error as cause while the exchange is down", async () => {
    const provider = context.coldProvider()
    context.emulator.fail({ status: 503, count: 10 })
    try {
      const error = await rejection(clients({ provider }).profiles.get({}))
      expect(error.code).toBe(Code.Unavailable)
      expect(NebiusAuthError.isInstance(error.cause)).toBe(true)
    } finally {
      provider.close()
      context.emulator.clearFaults()
    }
  })

  it('keeps tokens out of ConnectError, its metadata and util.inspect', async () => {
    const error = await rejection(clients({ provider: rotatingTokens() }).profiles.get({}))
    expect(error.code).toBe(Code.Unauthenticated)
    expect(sent('/nebius.iam.v1.ProfileService/Get')).toHaveLength(2)
    const shown = [
      inspect(error, { depth: 10, showHidden: true }),
      error.message,
      JSON.stringify([...error.metadata]),
    ]
    for (const text of shown) expect(text).not.toContain(secretPart)
  })

  it('refuses invalid options with a TypeError naming the option', () => {
    expect(() => nebiusAuthInterceptor({ provider: {} as never })).toThrow(/^provider:/)
    expect(() => nebiusAuthInterceptor({ origins: ['http://example.com'] })).toThrow(/^origins:/)
  })
})
