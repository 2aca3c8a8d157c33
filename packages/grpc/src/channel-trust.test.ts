import { afterEach, describe, expect, it } from 'vitest'

import { grpc } from './clients.test-support.js'
import { channelTrust } from './channel-trust.js'

const insecure = grpc.credentials.createInsecure()
const tls = grpc.credentials.createSsl()

afterEach(() => {
  delete process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER
})

describe('channelTrust', () => {
  it.each(['localhost:50051', '127.0.0.1:50051', '127.3.4.5:50051', '[::1]:50051', 'ipv4:127.0.0.1:50051'])(
    'trusts a plaintext channel to %s, loopback by name, and keeps it off proxies',
    (target) => {
      const trust = channelTrust(target, insecure)
      expect(trust.origin?.protocol).toBe('http:')
      expect(trust.plaintext).toBe(true)
    },
  )

  it.each([
    'localhost.:50051',
    'LOCALHOST.:50051',
    'localhost.localdomain:50051',
    '127.0.0.1.:50051',
    '127.1:50051',
    'dns://8.8.8.8/localhost:50051',
    'dns://127.0.0.1:53/localhost:50051',
    'api.example.test:50051',
  ])('gives no origin to a plaintext channel to %s', (target) => {
    expect(channelTrust(target, insecure).origin).toBeUndefined()
  })

  it('takes an address literal through a dns://authority/ target: no lookup happens', () => {
    expect(channelTrust('dns://8.8.8.8/127.0.0.1:50051', insecure).origin?.host).toBe('127.0.0.1:50051')
  })

  it('gives localhost no origin under the alternative resolver, but keeps 127.0.0.1 and [::1]', () => {
    process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER = 'true'
    expect(channelTrust('localhost:50051', insecure).origin).toBeUndefined()
    expect(channelTrust('127.0.0.1:50051', insecure).origin).toBeDefined()
    expect(channelTrust('[::1]:50051', insecure).origin).toBeDefined()
  })

  it('judges a TLS channel by its target alone and leaves its proxies alone', () => {
    const trust = channelTrust('dns://8.8.8.8/cpl.iam.api.nebius.cloud:443', tls)
    expect(trust.origin?.origin).toBe('https://cpl.iam.api.nebius.cloud')
    expect(trust.plaintext).toBe(false)
  })

  it('trusts nothing made with credentials that cannot say whether they encrypt', () => {
    expect(channelTrust('localhost:50051', {}).origin).toBeUndefined()
    expect(channelTrust('localhost:50051', { _isSecure: () => 'yes' }).origin).toBeUndefined()
  })
})
