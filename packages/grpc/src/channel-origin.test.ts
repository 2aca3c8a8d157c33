import { describe, expect, it } from 'vitest'

import { channelOrigin } from './channel-origin.js'

describe('channelOrigin', () => {
  it.each([
    ['cpl.iam.api.nebius.cloud:443', true, 'https://cpl.iam.api.nebius.cloud'],
    ['cpl.iam.api.nebius.cloud', true, 'https://cpl.iam.api.nebius.cloud'],
    ['dns:compute.api.nebius.cloud:443', true, 'https://compute.api.nebius.cloud'],
    ['dns:///compute.api.nebius.cloud', true, 'https://compute.api.nebius.cloud'],
    ['dns://8.8.8.8/compute.api.nebius.cloud:8443', true, 'https://compute.api.nebius.cloud:8443'],
    ['localhost:50051', false, 'http://localhost:50051'],
    ['ipv4:127.0.0.1:50051', false, 'http://127.0.0.1:50051'],
    ['ipv6:[::1]:50051', true, 'https://[::1]:50051'],
    ['[::1]:50051', true, 'https://[::1]:50051'],
    ['::1', true, 'https://[::1]'],
    ['API.Nebius.Cloud:443', true, 'https://api.nebius.cloud'],
  ])('reads %s (tls: %s) as %s', (target, secure, origin) => {
    expect(channelOrigin(target, secure)?.origin).toBe(origin)
  })

  it.each([
    'unix:/tmp/grpc.sock',
    'unix-abstract:grpc',
    'ipv4:10.0.0.1:1,10.0.0.2:1',
    'xds:///service',
    '',
    'host:port:extra',
  ])('finds no single origin in %j', (target) => {
    expect(channelOrigin(target, true)).toBeUndefined()
  })

  // grpc-js dials these as the whole string (or its resolver reads them its own way): never guess a host.
  it.each([
    'api.nebius.cloud#.evil.example:8443',
    'api.nebius.cloud?.evil.example:443',
    'api.nebius.cloud\\.evil.example:443',
    'evil.example@api.nebius.cloud:443',
    'api.nebius.cloud%2F.evil.example:443',
    'evil.example\u3002nebius.cloud:443',
    'evil.example\uff0enebius.cloud',
    'xn--evil.example\u200b.nebius.cloud',
    '127.1:50051',
    '0x7f.0.0.1:50051',
    '[fe80::1%25eth0]:443',
    ' cpl.iam.api.nebius.cloud:443',
    'DNS:cpl.iam.api.nebius.cloud',
  ])('refuses to guess the host of %j', (target) => {
    expect(channelOrigin(target, true)).toBeUndefined()
    expect(channelOrigin(target, false)).toBeUndefined()
  })
})
