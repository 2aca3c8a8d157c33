import { startEmulator, type Emulator, type EmulatorGrpc } from '@nebius-auth/emulator'
import { startGrpcEmulatorContext, type GrpcEmulatorContext } from '@nebius-auth/adapter-fixtures'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import {
  grpc,
  ProfileServiceClient,
  rejection,
  TestServiceClient,
  trusting,
  unary,
  type AnyClient,
} from './clients.test-support.js'
import { nebiusCredentials, type NebiusGrpcOptions } from './nebius-credentials.js'
import {
  startConnectProxy,
  startPlaintextServer,
  withGrpcProxy,
  type ConnectProxy,
  type PlaintextServer,
} from './plaintext-server.test-support.js'

let context: GrpcEmulatorContext
let other: Emulator & { readonly grpc: EmulatorGrpc }
let plaintext: PlaintextServer
let proxy: ConnectProxy
beforeAll(async () => {
  context = await startGrpcEmulatorContext()
  other = await startEmulator({ grpc: true })
  plaintext = await startPlaintextServer()
  proxy = await startConnectProxy(plaintext.port)
})
afterAll(async () => {
  plaintext.close()
  await Promise.all([context.close(), other.close(), proxy.close()])
})
beforeEach(() => {
  plaintext.authorizations.length = 0
  context.emulator.clearRequests()
  other.clearRequests()
})

const clients: AnyClient[] = []
afterAll(() => {
  for (const client of clients) client.close()
})

function whoami(target: string, options: NebiusGrpcOptions): Promise<unknown> {
  const client = new TestServiceClient(
    target,
    ...nebiusCredentials({ provider: context.provider, ...options }),
  )
  clients.push(client)
  return unary(client, 'Whoami')
}

describe('which channels get the token', () => {
  it('never sends the token to an authority outside origins, even one trusted for TLS', async () => {
    const profiles = new ProfileServiceClient(
      other.grpc.address,
      ...nebiusCredentials({
        provider: context.provider,
        origins: context.grpcOrigins,
        channelCredentials: trusting(other.grpc.rootCert),
      }),
    )
    clients.push(profiles)
    const error = await rejection(unary(profiles, 'Get'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(other.requests().map((request) => request.authorization)).toEqual([undefined])
  })

  it('does not send the token to localhost under the default Nebius origins', async () => {
    await rejection(whoami(context.grpc.address, { channelCredentials: trusting(context.grpc.rootCert) }))
    expect(context.emulator.requests().map((request) => request.authorization)).toEqual([undefined])
  })

  it('reads the port from the target: another port on the same host is another origin', async () => {
    await rejection(
      whoami(other.grpc.address, {
        origins: context.grpcOrigins,
        channelCredentials: trusting(other.grpc.rootCert),
      }),
    )
    expect(other.requests().map((request) => request.authorization)).toEqual([undefined])
  })

  it('sends the token over a plaintext channel to a loopback host only when its http origin is listed', async () => {
    const target = `127.0.0.1:${plaintext.port}`
    const insecure = grpc.credentials.createInsecure()
    await whoami(target, { channelCredentials: insecure })
    await whoami(target, { channelCredentials: insecure, origins: [`https://127.0.0.1:${plaintext.port}`] })
    await whoami(target, { channelCredentials: insecure, origins: [`http://127.0.0.1:${plaintext.port}`] })
    expect(plaintext.authorizations[0]).toBeUndefined()
    expect(plaintext.authorizations[1]).toBeUndefined()
    expect(plaintext.authorizations[2]).toMatch(/^Bearer v1\./)
  })

  it('never sends the token over a plaintext channel to a host that is not loopback by name', async () => {
    // The proxy carries api.example.test to this machine; only the name decides, and it is not loopback.
    const client = withGrpcProxy(proxy.url, () => {
      const made = new TestServiceClient(
        'api.example.test:443',
        ...nebiusCredentials({
          provider: context.provider,
          origins: () => true,
          channelCredentials: grpc.credentials.createInsecure(),
        }),
      )
      clients.push(made)
      return made
    })
    await unary(client, 'Whoami')
    expect(proxy.tunnels).toContain('api.example.test:443')
    expect(plaintext.authorizations).toEqual([undefined])
  })

  it('judges a channel through an HTTP CONNECT proxy by its own target, not the proxy', async () => {
    const port = Number(context.grpc.address.split(':')[1])
    const tunnel = await startConnectProxy(port)
    try {
      const client = withGrpcProxy(tunnel.url, () => {
        const made = new TestServiceClient(
          context.grpc.address,
          ...nebiusCredentials({
            provider: context.provider,
            origins: context.grpcOrigins,
            channelCredentials: trusting(context.grpc.rootCert),
          }),
        )
        clients.push(made)
        return made
      })
      await unary(client, 'Whoami', {}, { callOptions: { deadline: Date.now() + 3000 } })
      expect(tunnel.tunnels).toEqual([context.grpc.address])
      expect(context.emulator.requests()[0]?.authorization).toMatch(/^Bearer v1\./)
    } finally {
      await tunnel.close()
    }
  })
})
