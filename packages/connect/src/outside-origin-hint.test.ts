import { Code, createClient } from '@connectrpc/connect'
import { staticToken } from '@nebius-auth/core'
import { TestService } from '@nebius-auth/emulator/proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
import { http2Transport, rejection, startEchoingServer } from './transports.test-support.js'

// A server that refuses every call with Unauthenticated, on an origin the interceptors below do not list.
let server: Awaited<ReturnType<typeof startEchoingServer>>
beforeAll(async () => {
  server = await startEchoingServer()
})
afterAll(() => server.close())

const hint = () => `(nebius-auth: no token was sent: ${server.url} is not in origins)`

describe.each(['grpc', 'connect'] as const)('a call outside origins, over the %s protocol', (protocol) => {
  function client() {
    const interceptor = nebiusAuthInterceptor({ provider: staticToken('v1.a.b') })
    return createClient(TestService, http2Transport(protocol, server.url, [interceptor]))
  }

  it('says once per origin that no token was sent when the server refuses it', async () => {
    const test = client()
    const first = await rejection(() => test.whoami({}))
    expect(first.code).toBe(Code.Unauthenticated)
    expect(first.rawMessage).toBe(`token not accepted:  ${hint()}`)
    const second = await rejection(() => test.whoami({}))
    expect(second.rawMessage).toBe('token not accepted: ')
  })

  it('says it again for another interceptor', async () => {
    const first = await rejection(() => client().whoami({}))
    expect(first.rawMessage).toContain(hint())
  })

  it('adds nothing when the caller sent an authorization of their own', async () => {
    const error = await rejection(() =>
      client().whoami({}, { headers: { authorization: 'Bearer v1.callers.own' } }),
    )
    expect(error.rawMessage).not.toContain('nebius-auth')
  })
})
