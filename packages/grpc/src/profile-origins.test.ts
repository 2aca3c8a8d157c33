import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { startGrpcEmulatorContext, type GrpcEmulatorContext } from '@nebius-auth/adapter-fixtures'
import { defaultNebiusOrigins } from '@nebius-auth/core/adapter'
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
import { followingProfile, profileOrigins } from './profile-origins.js'

let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'nebius-grpc-origins-'))
  await mkdir(join(home, '.nebius'))
  await writeFile(
    join(home, '.nebius', 'config.yaml'),
    [
      'default: main',
      'profiles:',
      '  main:',
      '    endpoint: api.nebius.cloud',
      '  own:',
      '    endpoint: api.own-region.example',
      '  broken:',
      '    endpoint: https://api.example.com',
    ].join('\n'),
  )
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

describe('profileOrigins', () => {
  it("adds https://*.<domain> for the profile's own endpoint, on port 443 as nebiusAddress resolves it", () => {
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'own' })).toEqual([
      ...defaultNebiusOrigins,
      'https://*.api.own-region.example:443',
    ])
  })

  it('keeps the defaults for the default domain, a broken endpoint, a missing profile or no config', () => {
    for (const env of [
      { HOME: home },
      { HOME: home, NEBIUS_PROFILE: 'broken' },
      { HOME: home, NEBIUS_PROFILE: 'absent' },
      { HOME: join(home, 'nowhere') },
    ]) {
      expect(profileOrigins(env)).toBe(defaultNebiusOrigins)
    }
  })
})

describe('followingProfile', () => {
  it('leaves options with origins as they are, so the config is never read', () => {
    const options = { origins: ['https://api.example.com'] }
    expect(followingProfile(options, { HOME: home, NEBIUS_PROFILE: 'own' })).toBe(options)
  })

  it("allows the profile's services and Nebius's own, nothing else", () => {
    const allowed = followingProfile({}, { HOME: home, NEBIUS_PROFILE: 'own' }).origins as (
      url: URL,
    ) => boolean
    expect(allowed(new URL('https://compute.api.own-region.example:443'))).toBe(true)
    expect(allowed(new URL('https://compute.api.nebius.cloud'))).toBe(true)
    expect(allowed(new URL('https://compute.api.own-region.example:8443'))).toBe(false)
    expect(allowed(new URL('https://own-region.example'))).toBe(false)
  })
})

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
