import { describe, expect, it } from 'vitest'

import { channelOrigin } from './channel-origin.js'

describe('channelOrigin', () => {
  it.each([
    ['cpl.iam.api.nebius.cloud:443', true, 'https://cpl.iam.api.nebius.cloud'],
    ['cpl.iam.api.nebius.cloud', true, 'https://cpl.iam.api.nebius.cloud'],
    ['dns:compute.api.eu.nebius.cloud:443', true, 'https://compute.api.eu.nebius.cloud'],
    ['dns:///compute.api.eu.nebius.cloud', true, 'https://compute.api.eu.nebius.cloud'],
    ['dns://8.8.8.8/compute.api.eu.nebius.cloud:8443', true, 'https://compute.api.eu.nebius.cloud:8443'],
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
})
