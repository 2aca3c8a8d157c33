/**
 * A provider's failure that a later attempt may get past (core's `transient`) ends the call with UNAVAILABLE,
 * the status gRPC retry policies retry; any other failure with UNAUTHENTICATED. Shown here with the VM
 * metadata provider against a real HTTP server on 127.0.0.1 standing in for the metadata service.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { NebiusAuthError, vmMetadata, type TokenProvider } from '@nebius-auth/core'
import { metadataServiceAnswering, metadataServiceDown } from '@nebius-auth/adapter-fixtures/local-stand-ins'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { grpc, rejection, TestServiceClient, unary, type AnyClient } from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'
import { startPlaintextServer, type PlaintextServer } from './plaintext-server.test-support.js'

let server: PlaintextServer
beforeAll(async () => {
  server = await startPlaintextServer()
})
afterAll(() => {
  server.close()
})

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

function call(provider: TokenProvider & { close(): void }): Promise<grpc.ServiceError> {
  closing.push(provider)
  const client: AnyClient = new TestServiceClient(
    `127.0.0.1:${server.port}`,
    ...nebiusCredentials({
      provider,
      origins: [`http://127.0.0.1:${server.port}`],
      channelCredentials: grpc.credentials.createInsecure(),
    }),
  )
  closing.push(client)
  return rejection(unary(client, 'Whoami'))
}

function codeOf(error: grpc.ServiceError): string | undefined {
  const cause = (error as { cause?: unknown }).cause
  return NebiusAuthError.isInstance(cause) ? cause.code : undefined
}

describe('a VM metadata outage', () => {
  it('ends the call with UNAVAILABLE when the service answers 503', async () => {
    const error = await call(vmMetadata({ endpoint: await metadataService(503) }))
    expect(error.code).toBe(grpc.status.UNAVAILABLE)
    expect(codeOf(error)).toBe('ERR_METADATA_UNAVAILABLE')
    expect(server.authorizations).toEqual([])
  })

  it('ends the call with UNAVAILABLE when the service is down', async () => {
    const error = await call(vmMetadata({ endpoint: await metadataServiceDown() }))
    expect(error.code).toBe(grpc.status.UNAVAILABLE)
    expect(codeOf(error)).toBe('ERR_METADATA_UNAVAILABLE')
  })

  it('ends the call with UNAVAILABLE when the service does not answer in time', async () => {
    const service = createServer(() => undefined)
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
    closing.push({
      close: () => {
        service.closeAllConnections()
        service.close()
      },
    })
    const { port } = service.address() as AddressInfo
    const endpoint = `http://127.0.0.1:${port}/v1/iam/sa/token`
    const error = await call(vmMetadata({ endpoint, timeout: 100 }))
    expect(error.code).toBe(grpc.status.UNAVAILABLE)
  })
})

it('ends the call with UNAUTHENTICATED when the VM has no service account (404)', async () => {
  const error = await call(vmMetadata({ endpoint: await metadataService(404) }))
  expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
  expect(codeOf(error)).toBe('ERR_METADATA_UNAVAILABLE')
})
