import { Code, ConnectError, createClient } from '@connectrpc/connect'
import { startEmulatorContext, type EmulatorContext } from '@nebius-auth/adapter-fixtures'
import { TestService } from '@nebius-auth/emulator/proto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
import { connectTransport, startConnectServer, type ConnectServer } from './transports.test-support.js'

let context: EmulatorContext
let server: ConnectServer
beforeAll(async () => {
  context = await startEmulatorContext()
  server = await startConnectServer(context.emulator)
})
afterAll(async () => {
  await server.close()
  await context.close()
})
beforeEach(() => {
  server.authorizations.length = 0
})

function test(origins?: readonly string[]) {
  const interceptor = nebiusAuthInterceptor({
    provider: context.provider,
    ...(origins === undefined ? {} : { origins }),
  })
  return createClient(TestService, connectTransport(server.url, [interceptor]))
}

describe('nebiusAuthInterceptor over createConnectTransport', () => {
  it('authenticates a Connect-protocol call to an explicitly listed loopback http origin', async () => {
    const response = await test([server.url]).whoami({})
    expect(response.serviceAccountId).toMatch(/^serviceaccount-/)
    expect(server.authorizations).toEqual([expect.stringMatching(/^Bearer v1\./)])
  })

  it('sends no token over plain http unless that loopback origin is listed', async () => {
    const error = await test()
      .whoami({})
      .catch((caught: unknown) => ConnectError.from(caught))
    expect(error).toMatchObject({ code: Code.Unauthenticated })
    expect(server.authorizations).toEqual([undefined])
  })

  it('retries once with a fresh token after a revoked one is refused', async () => {
    const client = test([server.url])
    await client.whoami({})
    context.emulator.revoke()
    await client.whoami({})
    expect(server.authorizations).toHaveLength(3)
    expect(server.authorizations[2]).not.toBe(server.authorizations[1])
  })

  it('replays a server stream once with a fresh token when the end of the stream refuses a revoked one', async () => {
    const client = test([server.url])
    await client.whoami({})
    context.emulator.revoke()
    const remaining: number[] = []
    for await (const message of client.countdown({ count: 2, intervalMs: 1 }))
      remaining.push(message.remaining)
    expect(remaining).toEqual([1, 0])
    const [, refused, fresh, ...more] = server.authorizations
    expect(refused).toBe(server.authorizations[0])
    expect(fresh).toMatch(/^Bearer v1\./)
    expect(fresh).not.toBe(refused)
    expect(more).toEqual([])
  })

  it('never replays a server stream refused after its first message, but the next call gets a new token', async () => {
    const client = test([server.url])
    const remaining: number[] = []
    const error = await (async () => {
      for await (const message of client.countdown({ count: 3, intervalMs: 50 })) {
        remaining.push(message.remaining)
        context.emulator.revoke()
      }
    })().catch((caught: unknown) => ConnectError.from(caught))
    expect(error).toMatchObject({ code: Code.Unauthenticated })
    expect(remaining).toEqual([2])
    expect(server.authorizations).toHaveLength(1)
    await client.whoami({})
    expect(server.authorizations[1]).not.toBe(server.authorizations[0])
  })
})
