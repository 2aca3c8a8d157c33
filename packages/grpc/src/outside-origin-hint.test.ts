import { staticToken } from '@nebius-auth/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { grpc, rejection, TestServiceClient, unary, type AnyClient } from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'
import { startPlaintextServer, type PlaintextServer } from './plaintext-server.test-support.js'

// A server that refuses a call without a token, on an origin the clients below do not list.
let server: PlaintextServer
beforeAll(async () => {
  server = await startPlaintextServer((authorization) =>
    authorization === undefined ? { code: grpc.status.UNAUTHENTICATED, details: 'no token' } : null,
  )
})
const clients: AnyClient[] = []
afterAll(() => {
  for (const client of clients) client.close()
  server.close()
})

function client(): AnyClient {
  const made: AnyClient = new TestServiceClient(
    `127.0.0.1:${server.port}`,
    ...nebiusCredentials({
      provider: staticToken('v1.a.b'),
      channelCredentials: grpc.credentials.createInsecure(),
    }),
  )
  clients.push(made)
  return made
}

const hint = () => `(nebius-auth: no token was sent: http://127.0.0.1:${server.port} is not in origins)`

describe('a call outside origins that the server refuses', () => {
  it('says once per origin that no token was sent', async () => {
    const test = client()
    const first = await rejection(unary(test, 'Whoami'))
    expect(first.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(first.details).toBe(`no token ${hint()}`)
    expect(first.message).toContain(hint())
    const second = await rejection(unary(test, 'Whoami'))
    expect(second.details).toBe('no token')
    expect(server.authorizations.slice(-2)).toEqual([undefined, undefined])
  })

  it('says it again for another nebiusCredentials()', async () => {
    expect((await rejection(unary(client(), 'Whoami'))).details).toContain(hint())
  })

  it('adds nothing to another status, nor when the caller sent an authorization of their own', async () => {
    const own = new grpc.Metadata()
    own.set('authorization', 'Bearer v1.callers.own')
    const test = client()
    // The server accepts any authorization: a success passes as it is.
    await expect(unary(test, 'Whoami', {}, { metadata: own })).resolves.toBeDefined()
    const refusing = await startPlaintextServer(() => ({ code: grpc.status.UNAUTHENTICATED, details: 'no' }))
    try {
      const other: AnyClient = new TestServiceClient(
        `127.0.0.1:${refusing.port}`,
        ...nebiusCredentials({
          channelCredentials: grpc.credentials.createInsecure(),
          provider: staticToken('v1.a.b'),
        }),
      )
      clients.push(other)
      expect((await rejection(unary(other, 'Whoami', {}, { metadata: own }))).details).toBe('no')
    } finally {
      refusing.close()
    }
  })
})
