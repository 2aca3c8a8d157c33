import { join } from 'node:path'

import { startGrpcEmulatorContext, type GrpcEmulatorContext } from '@nebius-auth/adapter-fixtures'
import { temporaryCliHome } from '@nebius-auth/adapter-fixtures/local-stand-ins'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

import {
  grpc,
  ProfileServiceClient,
  rejection,
  trusting,
  unary,
  type AnyClient,
} from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'
import { startConnectProxy, withGrpcProxy, type ConnectProxy } from './plaintext-server.test-support.js'

let home: string
let removeHome: () => Promise<void>
beforeAll(async () => {
  ;({ home, remove: removeHome } = await temporaryCliHome([
    'default: main',
    'profiles:',
    '  main:',
    '    endpoint: api.nebius.cloud',
    '  own:',
    '    endpoint: api.own-region.example',
    '  broken:',
    '    endpoint: https://api.example.com',
  ]))
})
afterAll(() => removeHome())

describe("nebiusCredentials and a profile's own endpoint", () => {
  let context: GrpcEmulatorContext
  let proxy: ConnectProxy
  const clients: AnyClient[] = []
  beforeAll(async () => {
    context = await startGrpcEmulatorContext()
    // Every tunnel leads to the emulator's TLS face, so a channel can target the profile's own domain.
    proxy = await startConnectProxy(Number(context.grpc.address.split(':')[1]))
  })
  afterAll(async () => {
    for (const client of clients) client.close()
    await proxy.close()
    await context.close()
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  /** ProfileService at `cpl.iam.api.own-region.example:443`, through the proxy; the certificate names localhost. */
  function profiles(): AnyClient {
    const client = withGrpcProxy(
      proxy.url,
      () =>
        new ProfileServiceClient(
          'cpl.iam.api.own-region.example:443',
          ...nebiusCredentials({
            provider: context.provider,
            channelCredentials: trusting(context.grpc.rootCert),
            clientOptions: { 'grpc.ssl_target_name_override': 'localhost' },
          }),
        ),
    )
    clients.push(client)
    return client
  }

  function sent(): (string | undefined)[] {
    return context.emulator
      .requests()
      .filter((request) => request.path === '/nebius.iam.v1.ProfileService/Get')
      .map((request) => request.authorization)
  }

  it("sends the token to the profile's domain without origins", async () => {
    vi.stubEnv('HOME', home)
    vi.stubEnv('NEBIUS_PROFILE', 'own')
    context.emulator.clearRequests()
    await unary(profiles(), 'Get')
    expect(sent()).toEqual([expect.stringMatching(/^Bearer v1\./)])
  })

  it('sends nothing there without such a profile, and says so', async () => {
    vi.stubEnv('HOME', join(home, 'nowhere'))
    context.emulator.clearRequests()
    const error = await rejection(unary(profiles(), 'Get'))
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(error.details).toContain('https://cpl.iam.api.own-region.example is not in origins')
    expect(sent()).toEqual([undefined])
  })
})
