import * as connect from '@connectrpc/connect'
import * as protocol from '@connectrpc/connect/protocol'
import { createGrpcTransport } from '@connectrpc/connect-node'
import { TestService } from '@nebius-auth/emulator/proto'
import { describe, expect, it } from 'vitest'

describe('the Connect line under test', () => {
  it('is the one this vitest project names (CONNECT_LINE)', () => {
    // The protocol entry's mergeNonProtocolHeaders is newer than 2.0: present on 2.3, absent on 2.0.
    expect(process.env.CONNECT_LINE).toMatch(/^2\.\d+$/)
    expect('mergeNonProtocolHeaders' in protocol).toBe(process.env.CONNECT_LINE !== '2.0')
  })

  it('is the copy connect-node throws with, so the interceptor recognises its errors', async () => {
    const transport = createGrpcTransport({ baseUrl: 'http://127.0.0.1:1' })
    const error: unknown = await connect
      .createClient(TestService, transport)
      .whoami({})
      .catch((caught: unknown) => caught)
    expect(Object.getPrototypeOf(error)).toBe(connect.ConnectError.prototype)
  })
})
