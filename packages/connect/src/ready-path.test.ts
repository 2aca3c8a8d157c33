/**
 * While the provider holds a fresh token, a call goes out without waiting on the provider (no getToken);
 * only a cold provider makes a call wait. The retry after Unauthenticated works from either path.
 */
import { Code, createClient } from '@connectrpc/connect'
import { type AccessToken, type GetTokenOptions, type TokenProvider } from '@nebius-auth/core'
import { cachedProvider } from '@nebius-auth/core/advanced'
import {
  authorizationsFor,
  startGrpcEmulatorContext,
  type GrpcEmulatorContext,
} from '@nebius-auth/adapter-fixtures'
import { ProfileService, TestService } from '@nebius-auth/emulator/proto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
import { grpcTransport, rejection } from './transports.test-support.js'

let context: GrpcEmulatorContext
beforeAll(async () => {
  context = await startGrpcEmulatorContext()
})
afterAll(() => context.close())
beforeEach(() => {
  context.emulator.clearRequests()
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

function clients(provider: TokenProvider) {
  const interceptor = nebiusAuthInterceptor({ provider, origins: context.grpcOrigins })
  const transport = grpcTransport(context.grpc, [interceptor])
  return { profiles: createClient(ProfileService, transport), test: createClient(TestService, transport) }
}

describe('a fresh token', () => {
  it('sends a unary call without asking the provider for a token', async () => {
    const provider = watched(context.provider)
    await context.provider.getToken()
    const { profiles } = clients(provider)
    await profiles.get({})
    await profiles.get({})
    expect(provider.waits()).toBe(0)
    expect(authorizationsFor(context.emulator, '/nebius.iam.v1.ProfileService/Get')).toEqual([
      expect.stringMatching(/^Bearer v1\./),
      expect.stringMatching(/^Bearer v1\./),
    ])
  })

  it('sends a server stream without asking the provider for a token', async () => {
    const provider = watched(context.provider)
    await context.provider.getToken()
    const remaining: number[] = []
    for await (const message of clients(provider).test.countdown({ count: 2, intervalMs: 1 }))
      remaining.push(message.remaining)
    expect(remaining).toEqual([1, 0])
    expect(provider.waits()).toBe(0)
  })

  it('still refreshes once and retries a unary call once after Unauthenticated', async () => {
    let count = 0
    const counting = cachedProvider(() => {
      count += 1
      return Promise.resolve({ token: `token-${count}`, expiresAt: Date.now() + 3_600_000 })
    })
    try {
      await counting.getToken()
      const provider = watched(counting)
      const error = await rejection(clients(provider).profiles.get({}))
      expect(error.code).toBe(Code.Unauthenticated)
      expect(authorizationsFor(context.emulator, '/nebius.iam.v1.ProfileService/Get')).toEqual([
        'Bearer token-1',
        'Bearer token-2',
      ])
      expect(provider.waits()).toBe(0)
    } finally {
      counting.close()
    }
  })
})

describe('no fresh token', () => {
  it('waits for the provider once, then takes the ready path', async () => {
    const cold = context.coldProvider()
    try {
      const provider = watched(cold)
      const { profiles } = clients(provider)
      await profiles.get({})
      expect(provider.waits()).toBe(1)
      await profiles.get({})
      expect(provider.waits()).toBe(1)
    } finally {
      cold.close()
    }
  })

  it('waits for a provider without peek on every call', async () => {
    const provider = watched(context.provider)
    const { profiles } = clients({ getToken: (options) => provider.getToken(options) })
    await profiles.get({})
    await profiles.get({})
    expect(provider.waits()).toBe(2)
  })
})
