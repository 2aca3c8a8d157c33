import { lookup as dnsLookup } from 'node:dns'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import type { LookupFunction } from 'node:net'
import { join } from 'node:path'

import { createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import {
  authorizationsFor,
  startGrpcEmulatorContext,
  type GrpcEmulatorContext,
} from '@nebius-auth/adapter-fixtures'
import { defaultNebiusOrigins } from '@nebius-auth/core/adapter'
import { ProfileService } from '@nebius-auth/emulator/proto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
import { followingProfile, profileOrigins } from './profile-origins.js'

let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'nebius-connect-origins-'))
  await mkdir(join(home, '.nebius'))
  await writeFile(
    join(home, '.nebius', 'config.yaml'),
    [
      'default: main',
      'profiles:',
      '  main:',
      '    endpoint: api.nebius.cloud',
      '  own:',
      '    endpoint: api.own-region.example:8443',
      '  none:',
      '    token-file: /dev/null',
      '  broken:',
      '    endpoint: https://api.example.com',
    ].join('\n'),
  )
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

describe('profileOrigins', () => {
  it("adds https://*.<domain> for the profile's own endpoint", () => {
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'own' })).toEqual([
      ...defaultNebiusOrigins,
      'https://*.api.own-region.example:8443',
    ])
  })

  it('keeps the defaults for the default domain, a profile without an endpoint, or no config', () => {
    expect(profileOrigins({ HOME: home })).toBe(defaultNebiusOrigins)
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'none' })).toBe(defaultNebiusOrigins)
    expect(profileOrigins({ HOME: join(home, 'nowhere') })).toBe(defaultNebiusOrigins)
  })

  it('keeps the defaults for a broken endpoint or a profile that is not there', () => {
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'broken' })).toBe(defaultNebiusOrigins)
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'absent' })).toBe(defaultNebiusOrigins)
  })
})

describe('followingProfile', () => {
  it('leaves options with origins as they are, so the config is never read', () => {
    const options = { origins: ['https://api.example.com'] }
    expect(followingProfile(options, { HOME: home, NEBIUS_PROFILE: 'own' })).toBe(options)
  })

  it("allows the profile's domain, reading the config at the first decision", async () => {
    const later = await mkdtemp(join(tmpdir(), 'nebius-connect-later-'))
    try {
      const options = followingProfile({}, { HOME: later, NEBIUS_PROFILE: 'own' })
      // Written after the options were made: only the first origin decision reads it.
      await mkdir(join(later, '.nebius'))
      await writeFile(
        join(later, '.nebius', 'config.yaml'),
        'profiles:\n  own:\n    endpoint: api.own-region.example:8443\n',
      )
      const allowed = options?.origins as (url: URL) => boolean
      expect(allowed(new URL('https://compute.api.own-region.example:8443'))).toBe(true)
      expect(allowed(new URL('https://compute.api.nebius.cloud'))).toBe(true)
      expect(allowed(new URL('https://compute.api.own-region.example'))).toBe(false)
      expect(allowed(new URL('https://api.own-region.example:8443'))).toBe(false)
    } finally {
      await rm(later, { recursive: true, force: true })
    }
  })
})

describe("nebiusAuthInterceptor and a profile's own endpoint", () => {
  let context: GrpcEmulatorContext
  beforeAll(async () => {
    context = await startGrpcEmulatorContext()
  })
  afterAll(() => context.close())
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  const toLoopback: LookupFunction = (_hostname, options, callback) => {
    dnsLookup('127.0.0.1', options, callback)
  }

  /** ProfileService at `cpl.iam.localhost:<port>`, the emulator's face reached by name through 127.0.0.1. */
  function profiles(interceptorOptions: Parameters<typeof nebiusAuthInterceptor>[0]) {
    const port = context.grpc.address.split(':')[1] ?? ''
    const transport = createGrpcTransport({
      baseUrl: `https://cpl.iam.localhost:${port}`,
      interceptors: [nebiusAuthInterceptor(interceptorOptions)],
      nodeOptions: {
        ca: context.grpc.rootCert,
        // The certificate names `localhost`; the test's own resolver sends every name to 127.0.0.1.
        servername: 'localhost',
        lookup: toLoopback,
      },
    })
    return createClient(ProfileService, transport)
  }

  it("sends the token to the profile's domain without origins", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nebius-connect-e2e-'))
    try {
      await mkdir(join(dir, '.nebius'))
      await writeFile(
        join(dir, '.nebius', 'config.yaml'),
        `profiles:\n  local:\n    endpoint: ${context.grpc.address}\n`,
      )
      vi.stubEnv('HOME', dir)
      vi.stubEnv('NEBIUS_PROFILE', 'local')
      context.emulator.clearRequests()
      const response = await profiles({ provider: context.provider }).get({})
      expect(response.profile.case).toBe('serviceAccountProfile')
      expect(authorizationsFor(context.emulator, '/nebius.iam.v1.ProfileService/Get')).toEqual([
        expect.stringMatching(/^Bearer v1\./),
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('sends nothing there without such a profile', async () => {
    vi.stubEnv('HOME', join(home, 'nowhere'))
    context.emulator.clearRequests()
    await expect(profiles({ provider: context.provider }).get({})).rejects.toThrow()
    expect(authorizationsFor(context.emulator, '/nebius.iam.v1.ProfileService/Get')).toEqual([undefined])
  })
})
