/**
 * The token never rides a plaintext channel, however the caller builds the client, except to a host that is
 * loopback by name whose `http://` origin is listed — and then straight to it, never through a proxy.
 */
import { staticToken } from '@nebius-auth/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { grpc, TestServiceClient, unary, type AnyClient } from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'
import {
  startConnectProxy,
  startPlaintextServer,
  withGrpcProxy,
  type ConnectProxy,
  type PlaintextServer,
} from './plaintext-server.test-support.js'

let plaintext: PlaintextServer
let proxy: ConnectProxy
beforeAll(async () => {
  plaintext = await startPlaintextServer()
  proxy = await startConnectProxy(plaintext.port)
})
afterAll(async () => {
  plaintext.close()
  await proxy.close()
})
beforeEach(() => {
  plaintext.authorizations.length = 0
  proxy.tunnels.length = 0
})

const clients: AnyClient[] = []
afterAll(() => {
  for (const client of clients) client.close()
})

const provider = staticToken('v1.plaintext.c2lnbmF0dXJlLW5ldmVyLWluLWNsZWFy')
const insecure = grpc.credentials.createInsecure()

function keep(client: AnyClient): AnyClient {
  clients.push(client)
  return client
}

/** Makes the client with grpc-js's proxy variables set, so any name reaches the plaintext server. */
function throughProxy(make: () => AnyClient): AnyClient {
  return keep(withGrpcProxy(proxy.url, make))
}

/** Runs `make` with grpc-js's alternative resolver (no hosts file) switched on. */
function withAlternativeResolver<T>(make: () => T): T {
  const saved = process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER
  process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER = 'true'
  try {
    return make()
  } finally {
    if (saved === undefined) delete process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER
    else process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER = saved
  }
}

describe('channels the caller made plaintext', () => {
  it('sends no token when the constructor is given insecure credentials, even to a default origin', async () => {
    const [, options] = nebiusCredentials({ provider })
    const client = throughProxy(
      () => new TestServiceClient('cpl.iam.api.nebius.cloud:443', insecure, options),
    )
    await unary(client, 'Whoami')
    expect(proxy.tunnels).toEqual(['cpl.iam.api.nebius.cloud:443'])
    expect(plaintext.authorizations).toEqual([undefined])
  })

  it('sends no token over a channelOverride added to our options', async () => {
    const target = 'cpl.iam.api.nebius.cloud:443'
    const [credentials, options] = nebiusCredentials({ provider })
    const client = throughProxy(
      () =>
        new TestServiceClient(target, credentials, {
          ...options,
          channelOverride: new grpc.Channel(target, insecure, {}),
        }),
    )
    await unary(client, 'Whoami')
    expect(plaintext.authorizations).toEqual([undefined])
  })

  it('refuses channelOverride and channelFactoryOverride in clientOptions with a TypeError', () => {
    const channel = new grpc.Channel('localhost:1', insecure, {})
    expect(() => nebiusCredentials({ provider, clientOptions: { channelOverride: channel } })).toThrow(
      /^clientOptions: channelOverride/,
    )
    expect(() =>
      nebiusCredentials({ provider, clientOptions: { channelFactoryOverride: () => channel } }),
    ).toThrow(/^clientOptions: channelFactoryOverride/)
    channel.close()
  })
})

describe('loopback by name, before any DNS', () => {
  it('sends the token to a listed http://localhost origin over insecure constructor credentials', async () => {
    const [, options] = nebiusCredentials({ provider, origins: [`http://localhost:${plaintext.port}`] })
    const client = keep(new TestServiceClient(`localhost:${plaintext.port}`, insecure, options))
    await unary(client, 'Whoami')
    expect(plaintext.authorizations).toEqual([expect.stringMatching(/^Bearer v1\./)])
  })

  it('does not count localhost. with a trailing dot as loopback', async () => {
    const client = throughProxy(
      () =>
        new TestServiceClient(
          `localhost.:${plaintext.port}`,
          ...nebiusCredentials({
            provider,
            origins: [`http://localhost:${plaintext.port}`],
            channelCredentials: insecure,
          }),
        ),
    )
    await unary(client, 'Whoami')
    expect(plaintext.authorizations).toEqual([undefined])
  })

  it('sends no token to localhost through a dns://authority/ target, whose server says where localhost is', async () => {
    const client = throughProxy(
      () =>
        new TestServiceClient(
          `dns://127.0.0.1:53/localhost:${plaintext.port}`,
          ...nebiusCredentials({
            provider,
            origins: [`http://localhost:${plaintext.port}`],
            channelCredentials: insecure,
          }),
        ),
    )
    await unary(client, 'Whoami')
    expect(plaintext.authorizations).toEqual([undefined])
  })

  it('sends no token to localhost under the alternative resolver, which skips the hosts file', async () => {
    const client = keep(
      withAlternativeResolver(
        () =>
          new TestServiceClient(
            `localhost:${plaintext.port}`,
            ...nebiusCredentials({
              provider,
              origins: [`http://localhost:${plaintext.port}`],
              channelCredentials: insecure,
            }),
          ),
      ),
    )
    await unary(client, 'Whoami')
    expect(plaintext.authorizations).toEqual([undefined])
  })

  it('still sends the token to a 127.0.0.1 literal under the alternative resolver', async () => {
    const client = keep(
      withAlternativeResolver(
        () =>
          new TestServiceClient(
            `127.0.0.1:${plaintext.port}`,
            ...nebiusCredentials({
              provider,
              origins: [`http://127.0.0.1:${plaintext.port}`],
              channelCredentials: insecure,
            }),
          ),
      ),
    )
    await unary(client, 'Whoami')
    expect(plaintext.authorizations).toEqual([expect.stringMatching(/^Bearer v1\./)])
  })
})

describe('proxies', () => {
  it('reaches a listed http://localhost origin directly, never through grpc_proxy', async () => {
    const client = throughProxy(
      () =>
        new TestServiceClient(
          `localhost:${plaintext.port}`,
          ...nebiusCredentials({
            provider,
            origins: [`http://localhost:${plaintext.port}`],
            channelCredentials: insecure,
          }),
        ),
    )
    await unary(client, 'Whoami')
    expect(proxy.tunnels).toEqual([])
    expect(plaintext.authorizations).toEqual([expect.stringMatching(/^Bearer v1\./)])
  })

  it('bypasses the proxy too when the constructor, not the options, made the channel plaintext', async () => {
    const [, options] = nebiusCredentials({ provider, origins: [`http://127.0.0.1:${plaintext.port}`] })
    const client = throughProxy(() => new TestServiceClient(`127.0.0.1:${plaintext.port}`, insecure, options))
    await unary(client, 'Whoami')
    expect(proxy.tunnels).toEqual([])
    expect(plaintext.authorizations).toEqual([expect.stringMatching(/^Bearer v1\./)])
  })
})
