/**
 * No token in a ServiceError, its metadata or util.inspect, even when the server echoes what it received
 * (in grpc-message or trailers) or a foreign provider quotes a token in its error.
 */
import { inspect } from 'node:util'

import type { TokenProvider } from '@nebius-auth/core'
import { rotatingTokens, secretPart } from '@nebius-auth/adapter-fixtures'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { grpc, rejection, TestServiceClient, unary, type AnyClient } from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'
import { startPlaintextServer, type PlaintextServer } from './plaintext-server.test-support.js'

let echoing: PlaintextServer
let refusing: PlaintextServer
beforeAll(async () => {
  // Answers every call with `code`, quoting the authorization it got in the message and in three trailers.
  const echo = (code: grpc.status) => (authorization: string | undefined) => {
    const metadata = new grpc.Metadata()
    metadata.set('x-echo', authorization ?? '')
    metadata.set('x-token', (authorization ?? '').replace(/^Bearer /, ''))
    metadata.set('x-echo-bin', Buffer.from(authorization ?? ''))
    return { code, details: `rejected authorization ${authorization ?? ''}`, metadata }
  }
  echoing = await startPlaintextServer(echo(grpc.status.PERMISSION_DENIED))
  refusing = await startPlaintextServer(echo(grpc.status.UNAUTHENTICATED))
})
afterAll(() => {
  echoing.close()
  refusing.close()
})
beforeEach(() => {
  echoing.authorizations.length = 0
  refusing.authorizations.length = 0
})

const clients: AnyClient[] = []
afterAll(() => {
  for (const client of clients) client.close()
})

function client(server: PlaintextServer, provider: TokenProvider): AnyClient {
  const made = new TestServiceClient(
    `127.0.0.1:${server.port}`,
    ...nebiusCredentials({
      provider,
      origins: [`http://127.0.0.1:${server.port}`],
      channelCredentials: grpc.credentials.createInsecure(),
    }),
  )
  clients.push(made)
  return made
}

/** Everything printing or logging the error shows. */
function shown(error: grpc.ServiceError): string[] {
  const metadata = error.metadata.getMap()
  return [
    error.message,
    error.details,
    String(error),
    JSON.stringify(metadata),
    ...Object.values(metadata).map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : value)),
    inspect(error, { depth: 10, showHidden: true }),
  ]
}

describe('a server that echoes the token', () => {
  it('finds the token redacted in the message, details, trailers and inspect output', async () => {
    const error = await rejection(unary(client(echoing, rotatingTokens()), 'Whoami'))
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED)
    expect(echoing.authorizations).toEqual([expect.stringContaining(secretPart)])
    expect(error.details).toContain('v1.payload1.**')
    for (const text of shown(error)) expect(text).not.toContain(secretPart)
  })

  it('finds both tokens redacted after the one retry, each echoed in turn', async () => {
    const error = await rejection(unary(client(refusing, rotatingTokens()), 'Whoami'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(refusing.authorizations).toHaveLength(2)
    for (const text of shown(error)) expect(text).not.toContain(secretPart)
  })
})

describe("a foreign provider's failure", () => {
  it('keeps a token-shaped string in its message out of the status details and inspect output', async () => {
    const provider: TokenProvider = {
      getToken: () => Promise.reject(new Error(`upstream refused v1.quoted.${secretPart}-quoted-signature`)),
    }
    const error = await rejection(unary(client(echoing, provider), 'Whoami'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(error.details).toMatch(/^nebius-auth: no access token: upstream refused v1\.quoted\.\*\*/)
    for (const text of shown(error)) expect(text).not.toContain(secretPart)
  })

  it('keeps a token it handed out earlier out of a later failure, whatever the token looks like', async () => {
    const token = `opaque-${secretPart}-token`
    let calls = 0
    const provider: TokenProvider = {
      getToken: () => {
        calls += 1
        return calls === 1
          ? Promise.resolve({ token, expiresAt: Date.now() + 3_600_000 })
          : Promise.reject(new Error(`cannot refresh ${token}: revoked`))
      },
    }
    const made = client(echoing, provider)
    await rejection(unary(made, 'Whoami'))
    const error = await rejection(unary(made, 'Whoami'))
    expect(error.details).toMatch(/^nebius-auth: no access token: cannot refresh .*\*\*: revoked$/)
    for (const text of shown(error)) expect(text).not.toContain(secretPart)
  })
})
