import { lookup as dnsLookup } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { join } from 'node:path'

import { createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import {
  authorizationsFor,
  startGrpcEmulatorContext,
  type GrpcEmulatorContext,
} from '@nebius-auth/adapter-fixtures'
import { ProfileService } from '@nebius-auth/emulator/proto'
import { temporaryCliHome } from '@nebius-auth/adapter-fixtures/local-stand-ins'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'

let home: string
let removeHome: () => Promise<void>
beforeAll(async () => {
  ;({ home, remove: removeHome } = await temporaryCliHome([
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
  ]))
})
afterAll(() => removeHome())

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
    const local = await temporaryCliHome(['profiles:', '  local:', `    endpoint: ${context.grpc.address}`])
    try {
      vi.stubEnv('HOME', local.home)
      vi.stubEnv('NEBIUS_PROFILE', 'local')
      context.emulator.clearRequests()
      const response = await profiles({ provider: context.provider }).get({})
      expect(response.profile.case).toBe('serviceAccountProfile')
      expect(authorizationsFor(context.emulator, '/nebius.iam.v1.ProfileService/Get')).toEqual([
        expect.stringMatching(/^Bearer v1\./),
      ])
    } finally {
      await local.remove()
    }
  })

  it('sends nothing there without such a profile', async () => {
    vi.stubEnv('HOME', join(home, 'nowhere'))
    context.emulator.clearRequests()
    await expect(profiles({ provider: context.provider }).get({})).rejects.toThrow()
    expect(authorizationsFor(context.emulator, '/nebius.iam.v1.ProfileService/Get')).toEqual([undefined])
  })
})
