/**
 * The ready path's failures end like the waiting path's: tokens a server echoes are redacted, a deadline or
 * a cancel that comes while the retry waits for its token ends the call, and a closed client ends it with a
 * status, never a crash.
 */
import { inspect } from 'node:util'

import { type AccessToken, type TokenProvider } from '@nebius-auth/core'
import { cachedProvider } from '@nebius-auth/core/advanced'
import { secretPart } from '@nebius-auth/adapter-fixtures'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { grpc, rejection, TestServiceClient, unary, type AnyClient } from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'
import { startPlaintextServer, type PlaintextServer } from './plaintext-server.test-support.js'

let echoing: PlaintextServer
let refusing: PlaintextServer
const crashes: unknown[] = []
const record = (error: unknown): void => {
  crashes.push(error)
}
beforeAll(async () => {
  // Answers every call with `code`, quoting the authorization it got in the message and in a trailer.
  const echo = (code: grpc.status) => (authorization: string | undefined) => {
    const metadata = new grpc.Metadata()
    metadata.set('x-echo', authorization ?? '')
    return { code, details: `rejected authorization ${authorization ?? ''}`, metadata }
  }
  echoing = await startPlaintextServer(echo(grpc.status.PERMISSION_DENIED))
  refusing = await startPlaintextServer(echo(grpc.status.UNAUTHENTICATED))
  process.on('unhandledRejection', record)
  process.on('uncaughtException', record)
})
afterAll(() => {
  echoing.close()
  refusing.close()
  process.off('unhandledRejection', record)
  process.off('uncaughtException', record)
})
afterEach(() => {
  echoing.authorizations.length = 0
  refusing.authorizations.length = 0
  crashes.length = 0
})

const clients: AnyClient[] = []
const providers: { close(): void }[] = []
afterAll(() => {
  for (const client of clients) client.close()
  for (const provider of providers) provider.close()
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

/** A warm provider of a new Nebius-shaped token for every rejection, each with the secret part. */
async function warmRotating(): Promise<TokenProvider> {
  let count = 0
  const provider = cachedProvider(() => {
    count += 1
    return Promise.resolve({
      token: `v1.payload${count}.${secretPart}${count}`,
      expiresAt: Date.now() + 3_600_000,
    })
  })
  providers.push(provider)
  await provider.getToken()
  return provider
}

/** A provider whose token is fresh at once, and whose refresh after a rejection never comes. */
function stuckOnRefresh(): TokenProvider & { readonly refreshing: Promise<void> } {
  const token: AccessToken = {
    token: 'v1.warm.d2FybS10b2tlbi1zaWduYXR1cmU',
    expiresAt: Date.now() + 3_600_000,
  }
  let markRefreshing: () => void = () => undefined
  return {
    refreshing: new Promise((resolve) => (markRefreshing = resolve)),
    peek: () => token,
    getToken: (options) => {
      if (options?.rejected === undefined) return Promise.resolve(token)
      markRefreshing()
      return new Promise<AccessToken>(() => undefined)
    },
  }
}

/** Everything printing or logging the error shows. */
function shown(error: grpc.ServiceError): string[] {
  return [
    error.message,
    error.details,
    JSON.stringify(error.metadata.getMap()),
    inspect(error, { depth: 10, showHidden: true }),
  ]
}

/** Lets any rejection that nobody handles surface before the test looks. */
async function settled(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve))
}

describe('a warm call to a server that echoes the token', () => {
  it('finds the token redacted in the message, details, trailers and inspect output', async () => {
    const error = await rejection(unary(client(echoing, await warmRotating()), 'Whoami'))
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED)
    expect(echoing.authorizations).toEqual([expect.stringContaining(secretPart)])
    expect(error.details).toContain('v1.payload1.**')
    for (const text of shown(error)) expect(text).not.toContain(secretPart)
  })

  it('finds both tokens redacted after the one retry', async () => {
    const error = await rejection(unary(client(refusing, await warmRotating()), 'Whoami'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(refusing.authorizations).toEqual([
      expect.stringContaining(`${secretPart}1`),
      expect.stringContaining(`${secretPart}2`),
    ])
    for (const text of shown(error)) expect(text).not.toContain(secretPart)
  })
})

describe('a warm call whose retry waits for its token', () => {
  it('ends with DEADLINE_EXCEEDED at the deadline', async () => {
    const provider = stuckOnRefresh()
    const error = await rejection(
      unary(client(refusing, provider), 'Whoami', {}, { callOptions: { deadline: Date.now() + 300 } }),
    )
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED)
    expect(refusing.authorizations).toHaveLength(1)
  })

  it('ends with CANCELLED on call.cancel()', async () => {
    const provider = stuckOnRefresh()
    let call: grpc.ClientUnaryCall | undefined
    const pending = unary(client(refusing, provider), 'Whoami', {}, { onCall: (made) => (call = made) })
    await provider.refreshing
    call?.cancel()
    const error = await rejection(pending)
    expect(error.code).toBe(grpc.status.CANCELLED)
    expect(refusing.authorizations).toHaveLength(1)
  })
})

it('ends a warm call on a closed client with a status, never a crash', async () => {
  const made = client(echoing, await warmRotating())
  made.close()
  const error = await rejection(unary(made, 'Whoami'))
  await settled()
  expect(error.code).toBe(grpc.status.UNAVAILABLE)
  expect(crashes).toEqual([])
  expect(echoing.authorizations).toEqual([])
})
