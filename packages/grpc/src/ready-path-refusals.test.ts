/**
 * A warm unary call refused with UNAUTHENTICATED: the ready path hands it to the retry's machinery only then,
 * and what the first attempt sent and received must reach it whole. The retry's status may quote the first
 * attempt's token, which must be redacted even when it does not look like a token; headers the refused
 * attempt received reach the caller when no retry follows.
 */
import { type AccessToken, type TokenProvider } from '@nebius-auth/core'
import { cachedProvider } from '@nebius-auth/core/advanced'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { grpc, rejection, TestServiceClient, unary, type AnyClient } from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'
import { startPlaintextServer, type PlaintextServer } from './plaintext-server.test-support.js'

/** Tokens that no shape rule would catch: only the list of tokens the call sent can redact them. */
const plainSecret = 'plainsecret'

let quoting: PlaintextServer
let headersFirst: grpc.Server
let headersFirstPort = 0
const clients: AnyClient[] = []
const providers: { close(): void }[] = []

beforeAll(async () => {
  // Refuses every call, quoting every authorization it has seen so far: the retry's status shows both.
  const seen: string[] = []
  quoting = await startPlaintextServer((authorization) => {
    seen.push(authorization ?? '')
    return { code: grpc.status.UNAUTHENTICATED, details: `refused ${seen.join(' and ')}` }
  })
  // Sends its headers, then refuses the call.
  headersFirst = new grpc.Server()
  const definition = (TestServiceClient as unknown as { service: grpc.ServiceDefinition }).service
  headersFirst.addService(definition, {
    Whoami(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const headers = new grpc.Metadata()
      headers.set('x-first-headers', 'yes')
      call.sendMetadata(headers)
      callback({ code: grpc.status.UNAUTHENTICATED, details: 'refused' })
    },
  })
  headersFirstPort = await new Promise<number>((resolve, reject) => {
    headersFirst.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error === null) resolve(port)
      else reject(error)
    })
  })
})
afterAll(() => {
  for (const client of clients) client.close()
  for (const provider of providers) provider.close()
  quoting.close()
  headersFirst.forceShutdown()
})

function client(port: number, provider: TokenProvider): AnyClient {
  const made = new TestServiceClient(
    `127.0.0.1:${port}`,
    ...nebiusCredentials({
      provider,
      origins: [`http://127.0.0.1:${port}`],
      channelCredentials: grpc.credentials.createInsecure(),
    }),
  )
  clients.push(made)
  return made
}

/** A warm provider of `plainsecret-1`, `plainsecret-2`, …: a new one for each rejection. */
async function warmRotating(): Promise<TokenProvider> {
  let count = 0
  const provider = cachedProvider(() => {
    count += 1
    return Promise.resolve({ token: `${plainSecret}-${count}`, expiresAt: Date.now() + 3_600_000 })
  })
  providers.push(provider)
  await provider.getToken()
  return provider
}

/** A provider whose refresh hands out the same token again: the refusal is then not retried. */
function sameTokenAgain(): TokenProvider {
  const token: AccessToken = { token: `${plainSecret}-static`, expiresAt: Date.now() + 3_600_000 }
  return { peek: () => token, getToken: () => Promise.resolve(token) }
}

it("redacts the first attempt's token from the retry's status, whatever the token looks like", async () => {
  const error = await rejection(unary(client(quoting.port, await warmRotating()), 'Whoami'))
  expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
  expect(quoting.authorizations).toEqual([`Bearer ${plainSecret}-1`, `Bearer ${plainSecret}-2`])
  expect(error.details).toContain('refused')
  expect(error.details).not.toContain(plainSecret)
  expect(error.message).not.toContain(plainSecret)
})

it('delivers the headers of a refused warm call once when no retry follows', async () => {
  const headers: grpc.Metadata[] = []
  const error = await rejection(
    unary(
      client(headersFirstPort, sameTokenAgain()),
      'Whoami',
      {},
      {
        onCall: (call) => call.on('metadata', (metadata: grpc.Metadata) => headers.push(metadata)),
      },
    ),
  )
  expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
  expect(headers.map((metadata) => metadata.get('x-first-headers'))).toEqual([['yes']])
})
