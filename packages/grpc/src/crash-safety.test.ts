/**
 * Whatever happens inside the interceptor ends that one call with a status; nothing reaches the process as
 * an unhandled rejection or uncaught exception (either would crash a Node program, printing its message).
 */
import { inspect } from 'node:util'

import type { AccessToken, TokenProvider } from '@nebius-auth/core'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'

import { grpc, rejection, TestServiceClient, unary, type AnyClient } from './clients.test-support.js'
import { nebiusCredentials, type NebiusGrpcOptions } from './nebius-credentials.js'
import { startPlaintextServer, type PlaintextServer } from './plaintext-server.test-support.js'

const firstToken = 'v1.first.Zmlyc3QtdG9rZW4tc2lnbmF0dXJl'
let server: PlaintextServer
const crashes: unknown[] = []
const record = (error: unknown): void => {
  crashes.push(error)
}
beforeAll(async () => {
  // The first token is refused, so a call can be caught waiting for the retry's token.
  server = await startPlaintextServer((authorization) =>
    authorization === `Bearer ${firstToken}` ? { code: grpc.status.UNAUTHENTICATED, details: 'no' } : null,
  )
  process.on('unhandledRejection', record)
  process.on('uncaughtException', record)
})
afterAll(() => {
  server.close()
  process.off('unhandledRejection', record)
  process.off('uncaughtException', record)
})
afterEach(() => {
  crashes.length = 0
  server.authorizations.length = 0
})

/** A provider whose answers the test hands out one by one, each when it chooses. */
function scriptedProvider(): TokenProvider & { next(): Promise<(token: string) => void> } {
  const waiting: ((give: (token: string) => void) => void)[] = []
  const asked: ((token: string) => void)[] = []
  return {
    getToken: () =>
      new Promise<AccessToken>((resolve) => {
        const give = (token: string): void => {
          resolve({ token, expiresAt: Date.now() + 3_600_000 })
        }
        const taker = waiting.shift()
        if (taker === undefined) asked.push(give)
        else taker(give)
      }),
    next: () => {
      const ready = asked.shift()
      return ready === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(ready)
    },
  }
}

function client(options: NebiusGrpcOptions): AnyClient {
  return new TestServiceClient(
    `127.0.0.1:${server.port}`,
    ...nebiusCredentials({
      origins: [`http://127.0.0.1:${server.port}`],
      channelCredentials: grpc.credentials.createInsecure(),
      ...options,
    }),
  )
}

/** Lets any rejection that nobody handles surface before the test looks. */
async function settled(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve))
}

const deadline = (): grpc.CallOptions => ({ deadline: Date.now() + 3_000 })

it('ends a call with UNAVAILABLE when the client is closed while the call waits for its token', async () => {
  const provider = scriptedProvider()
  const made = client({ provider })
  const pending = unary(made, 'Whoami', {}, { callOptions: deadline() })
  const give = await provider.next()
  made.close()
  give('v1.late.bGF0ZS10b2tlbi1zaWduYXR1cmU')
  const error = await rejection(pending)
  await settled()
  expect(error.code).toBe(grpc.status.UNAVAILABLE)
  expect(crashes).toEqual([])
  expect(server.authorizations).toEqual([])
})

it('ends a call with its UNAUTHENTICATED when the client is closed while the retry waits for a token', async () => {
  const provider = scriptedProvider()
  const made = client({ provider })
  const pending = unary(made, 'Whoami', {}, { callOptions: deadline() })
  ;(await provider.next())(firstToken)
  const giveFresh = await provider.next()
  made.close()
  giveFresh('v1.fresh.ZnJlc2gtdG9rZW4tc2lnbmF0dXJl')
  const error = await rejection(pending)
  await settled()
  expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
  expect(crashes).toEqual([])
  expect(server.authorizations).toEqual([`Bearer ${firstToken}`])
})

it('ends a call with a status, without the token, when the provider returns a token with CR/LF', async () => {
  const secret = 'Y3JsZi10b2tlbi1zaWduYXR1cmU'
  const provider: TokenProvider = {
    getToken: () =>
      Promise.resolve({ token: `v1.crlf.${secret}\r\nx-injected: yes`, expiresAt: Date.now() + 3_600_000 }),
  }
  const made = client({ provider })
  const error = await rejection(unary(made, 'Whoami', {}, { callOptions: deadline() }))
  made.close()
  await settled()
  // Core's adapter kit refuses the token (ERR_TOKEN_INVALID); were one to slip through, grpc-js's Metadata
  // would throw quoting it, and the interceptor would end the call with INTERNAL instead.
  expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
  expect((error as { cause?: { code?: string } }).cause?.code).toBe('ERR_TOKEN_INVALID')
  expect(crashes).toEqual([])
  expect(server.authorizations).toEqual([])
  for (const shown of [error.message, error.details, inspect(error, { depth: 10, showHidden: true })])
    expect(shown).not.toContain(secret)
})
