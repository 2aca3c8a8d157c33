/**
 * A provider's failure that a later attempt may get past (core's `transient`) ends the call with
 * Unavailable, the code retry policies retry; any other failure with Unauthenticated. Shown here with the VM
 * metadata provider against a real HTTP server on 127.0.0.1 standing in for the metadata service.
 */
import { Code, ConnectError, createClient } from '@connectrpc/connect'
import { NebiusAuthError, vmMetadata, type TokenProvider } from '@nebius-auth/core'
import { TestService } from '@nebius-auth/emulator/proto'
import { metadataServiceAnswering, metadataServiceDown } from '@nebius-auth/adapter-fixtures/local-stand-ins'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
import { http2Transport, rejection, startEchoingServer } from './transports.test-support.js'

let server: Awaited<ReturnType<typeof startEchoingServer>>
beforeAll(async () => {
  server = await startEchoingServer()
})
afterAll(() => server.close())

const closing: { close(): void }[] = []
afterEach(() => {
  for (const item of closing.splice(0)) item.close()
})

/** A metadata service stand-in answering every request with `status`, closed after each test. */
async function metadataService(status: number): Promise<string> {
  const service = await metadataServiceAnswering(status)
  closing.push(service)
  return service.url
}

async function call(provider: TokenProvider & { close(): void }): Promise<ConnectError> {
  closing.push(provider)
  const interceptor = nebiusAuthInterceptor({ provider, origins: [server.url] })
  return rejection(createClient(TestService, http2Transport('grpc', server.url, [interceptor])).whoami({}))
}

function codeOf(error: ConnectError): string | undefined {
  return NebiusAuthError.isInstance(error.cause) ? error.cause.code : undefined
}

describe('a VM metadata outage', () => {
  it('ends the call with Unavailable when the service answers 503', async () => {
    const error = await call(vmMetadata({ endpoint: await metadataService(503) }))
    expect(error.code).toBe(Code.Unavailable)
    expect(codeOf(error)).toBe('ERR_METADATA_UNAVAILABLE')
  })

  it('ends the call with Unavailable when the service is down', async () => {
    const error = await call(vmMetadata({ endpoint: await metadataServiceDown() }))
    expect(error.code).toBe(Code.Unavailable)
    expect(codeOf(error)).toBe('ERR_METADATA_UNAVAILABLE')
  })
})

it('ends the call with Unauthenticated when the VM has no service account (404)', async () => {
  const error = await call(vmMetadata({ endpoint: await metadataService(404) }))
  expect(error.code).toBe(Code.Unauthenticated)
  expect(codeOf(error)).toBe('ERR_METADATA_UNAVAILABLE')
})

it("redacts a token it sent from a foreign provider's later failure", async () => {
  const token = 'opaque-secret-value-0123456789abcdef'
  let calls = 0
  const provider: TokenProvider = {
    getToken: () => {
      calls += 1
      return calls === 1
        ? Promise.resolve({ token, expiresAt: Date.now() + 3_600_000 })
        : Promise.reject(new Error(`refresh failed for ${token}`))
    },
  }
  const interceptor = nebiusAuthInterceptor({ provider, origins: [server.url] })
  const test = createClient(TestService, http2Transport('grpc', server.url, [interceptor]))
  // The first call sends the token and is refused; the next one's token request fails quoting it.
  await expect(test.whoami({})).rejects.toMatchObject({ code: Code.Unauthenticated })
  const error = await rejection(test.whoami({}))
  expect(error.code).toBe(Code.Unauthenticated)
  expect(error.message).toContain('refresh failed for opaque-secret-v**')
  expect((error.cause as Error).message).not.toContain('0123456789abcdef')
})
